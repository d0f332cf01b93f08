-- Catálogo: se uma coluna opcional do fornecedor existe nesta instalação. Roda na primeira leitura, uma vez por
-- coluna.
--   :s  o dono   :t  a tabela   :c  a coluna
SELECT 1 FROM all_tab_columns WHERE owner = :s AND table_name = UPPER(:t) AND column_name = UPPER(:c)
