-- Catálogo: se uma coluna opcional do fornecedor existe nesta instalação (no banco principal). Roda na primeira
-- leitura, uma vez por coluna.
--   :t  a tabela   :c  a coluna
SELECT 1 FROM pragma_table_info(:t) WHERE LOWER(name) = LOWER(:c)
