-- Preparação de cada sessão no PostgreSQL: roda a cada conexão nova, antes de qualquer consulta.
--
-- Marcadores (o conector os troca por valores da configuração, conferidos antes: só letras, dígitos e / + : . -):
--   $client_encoding   SQL_ASCII, só quando o banco é SQL_ASCII: o texto chega como o sistema gravou e o conector
--                      decodifica valor a valor (em qualquer outro banco a instrução não é enviada)
--   $timeout_ms        HOTELEITOS_SOURCE_QUERY_TIMEOUT, em milissegundos
--   $timezone          HOTELEITOS_TIMEZONE (padrão America/Sao_Paulo): o banco corta datas no fuso do hospital
--   $application_name  hoteleitos-connector, para o DBA reconhecer a sessão em pg_stat_activity; só no
--                      PostgreSQL 9.0 ou mais novo (o 8.4 não conhece o parâmetro)
-- Uma instrução cujo marcador não tem valor não é enviada.
SET client_encoding TO '$client_encoding';
SET statement_timeout = $timeout_ms;
SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;
SET TIME ZONE '$timezone';
SET application_name = '$application_name';
