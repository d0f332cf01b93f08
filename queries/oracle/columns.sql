-- Catálogo, no `check`: as colunas das tabelas que a consulta do censo lê. ALL_TAB_COLUMNS só mostra as tabelas que o
-- usuário pode ler: uma tabela que não aparece falta ou não foi concedida.
--   :schema  o dono das tabelas (nulo: o schema da sessão)
--   :tables  os nomes das tabelas, em maiúsculas
SELECT c.OWNER AS sch, c.TABLE_NAME AS tbl, c.COLUMN_NAME AS col, 1 AS readable, 1 AS usable
FROM ALL_TAB_COLUMNS c
WHERE c.OWNER = COALESCE(UPPER(:schema), SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
    AND c.TABLE_NAME IN :tables
