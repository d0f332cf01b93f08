-- Preparação de cada sessão no Oracle: roda a cada conexão nova, antes de qualquer consulta.
-- (O limite de tempo de cada chamada é do driver, call_timeout; só-leitura é por transação: transaction.sql.)
--
-- Marcadores (o conector os troca por valores da configuração, conferidos antes: só letras, dígitos e / + : . -):
--   $timezone   HOTELEITOS_TIMEZONE (padrão America/Sao_Paulo): o banco corta datas no fuso do hospital
-- Uma instrução cujo marcador não tem valor não é enviada.
-- O formato de TIMESTAMP WITH TIME ZONE faz o driver receber o fuso junto com a hora, como texto.
ALTER SESSION SET TIME_ZONE = '$timezone';
ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF6TZH:TZM';
