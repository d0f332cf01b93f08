-- Preparação de cada sessão no MySQL: roda a cada conexão nova, antes de qualquer consulta.
--
-- Marcadores (o conector os troca por valores da configuração, conferidos antes: só letras, dígitos e / + : . -):
--   $timeout_ms   HOTELEITOS_SOURCE_QUERY_TIMEOUT, em milissegundos
--   $utc_offset   a diferença de HOTELEITOS_TIMEZONE para UTC agora (ex.: -03:00): fusos por nome precisam das
--                 tabelas de fuso do servidor, que muitos não têm carregadas
-- Uma instrução cujo marcador não tem valor não é enviada.
SET SESSION TRANSACTION READ ONLY;
SET SESSION max_execution_time = $timeout_ms;
SET time_zone = '$utc_offset';
