-- Catálogo (padrão SQL, information_schema; PostgreSQL, MySQL/MariaDB e SQL Server): em que schemas existe a tabela
-- que identifica o fornecedor (ex.: arqatend no Wareline). Roda na primeira leitura, só quando o fornecedor tem uma
-- tabela assim; com HOTELEITOS_SOURCE_SCHEMA configurado, serve para achar a grafia exata do schema.
--   :t  o nome da tabela
SELECT table_schema FROM information_schema.tables WHERE LOWER(table_name) = LOWER(:t)
