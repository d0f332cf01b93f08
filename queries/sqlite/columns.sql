-- Catálogo, no `check`: as colunas de uma tabela que a consulta do censo lê (uma vez por tabela). O SQLite não tem
-- usuários nem permissões: quem abre o arquivo lê tudo.
--   :table  o nome da tabela
SELECT NULL AS sch, :table AS tbl, t.name AS col, 1 AS readable, 1 AS usable FROM pragma_table_info(:table) t
