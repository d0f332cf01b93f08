-- Catálogo (padrão SQL, information_schema; PostgreSQL, MySQL/MariaDB e SQL Server): se uma coluna opcional do
-- fornecedor existe nesta instalação (ex.: cadprest.cbo no Wareline). Roda na primeira leitura, uma vez por coluna.
--   :s  o schema   :t  a tabela   :c  a coluna
SELECT 1 FROM information_schema.columns WHERE table_schema = :s AND LOWER(table_name) = LOWER(:t)
    AND LOWER(column_name) = LOWER(:c)
