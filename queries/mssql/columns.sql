-- Catálogo, no `check`: as colunas das tabelas que a consulta do censo lê e se o usuário conectado pode lê-las
-- (HAS_PERMS_BY_NAME por coluna). O SQL Server só mostra o que o usuário pode tocar: uma tabela que não aparece falta
-- ou não foi concedida.
--   :schema  o schema do fornecedor (nulo: o schema padrão do usuário)
--   :tables  os nomes das tabelas, em minúsculas
SELECT c.TABLE_SCHEMA AS sch, c.TABLE_NAME AS tbl, c.COLUMN_NAME AS col,
    HAS_PERMS_BY_NAME(QUOTENAME(c.TABLE_SCHEMA) + '.' + QUOTENAME(c.TABLE_NAME), 'OBJECT', 'SELECT',
        c.COLUMN_NAME, 'COLUMN') AS readable,
    1 AS usable
FROM INFORMATION_SCHEMA.COLUMNS c
WHERE c.TABLE_SCHEMA = COALESCE(:schema, SCHEMA_NAME())
    AND LOWER(c.TABLE_NAME) IN :tables
