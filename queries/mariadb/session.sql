-- Preparação de cada sessão no MariaDB: roda a cada conexão nova, antes de qualquer consulta.
-- (As consultas ao catálogo do MariaDB são as de mysql/ e ansi/.)
--
-- Marcadores (o conector os troca por valores da configuração, conferidos antes: só letras, dígitos e / + : . -):
--   $timeout_seconds   HOTELEITOS_SOURCE_QUERY_TIMEOUT, em segundos
--   $utc_offset        a diferença de HOTELEITOS_TIMEZONE para UTC agora (ex.: -03:00): fusos por nome precisam
--                      das tabelas de fuso do servidor, que muitos não têm carregadas
-- Uma instrução cujo marcador não tem valor não é enviada.
SET SESSION TRANSACTION READ ONLY;
SET SESSION max_statement_time = $timeout_seconds;
SET time_zone = '$utc_offset';
