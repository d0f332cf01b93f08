-- Catálogo: em que schemas (donos) existe a tabela ou visão que identifica o fornecedor (ex.: ATENDIME no MV). Roda
-- na primeira leitura; com HOTELEITOS_SOURCE_SCHEMA configurado, serve para achar a grafia exata do schema.
--   :t  o nome da tabela
SELECT owner FROM all_tables WHERE table_name = UPPER(:t)
UNION SELECT owner FROM all_views WHERE view_name = UPPER(:t)
