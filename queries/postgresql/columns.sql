-- Catálogo, no `check`: as colunas das tabelas que a consulta do censo lê e se o usuário conectado pode lê-las
-- (SELECT na coluna, USAGE no schema). O PostgreSQL mostra toda tabela a qualquer usuário: uma coluna que não aparece
-- não existe.
--   :schema  o schema do fornecedor (nulo: os schemas do search_path)
--   :tables  os nomes das tabelas, em minúsculas
SELECT n.nspname AS sch, c.relname AS tbl, a.attname AS col,
    has_column_privilege(c.oid, a.attnum, 'SELECT') AS readable, has_schema_privilege(n.oid, 'USAGE') AS usable
FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
    AND (lower(n.nspname) = lower(CAST(:schema AS text))
        OR (CAST(:schema AS text) IS NULL AND n.nspname = ANY (current_schemas(false))))
    AND lower(c.relname) IN :tables
