-- Catálogo, no `check`: as colunas das tabelas que a consulta do censo lê. O MySQL/MariaDB só mostra ao usuário o que
-- ele pode ler: uma coluna que não aparece falta ou não foi concedida.
--   :schema  o banco do fornecedor (nulo: o banco da conexão)
--   :tables  os nomes das tabelas, em minúsculas
SELECT c.TABLE_SCHEMA AS sch, c.TABLE_NAME AS tbl, c.COLUMN_NAME AS col, 1 AS readable, 1 AS usable
FROM information_schema.COLUMNS c
WHERE LOWER(c.TABLE_SCHEMA) = LOWER(COALESCE(:schema, DATABASE()))
    AND LOWER(c.TABLE_NAME) IN :tables
