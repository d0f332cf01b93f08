-- Catálogo, no `check`: as colunas das tabelas que a consulta do censo lê e se o usuário conectado pode lê-las. O
-- Firebird concede SELECT por tabela (RDB$FIELD_NAME nulo) a um usuário, a um papel ou a PUBLIC; SYSDBA, o dono do
-- banco, o dono da tabela e o papel RDB$ADMIN leem tudo. O Firebird mostra toda tabela a qualquer usuário.
--   :tables  os nomes das tabelas, em maiúsculas (o Firebird não tem schemas)
SELECT CAST(NULL AS VARCHAR(1)) AS sch, TRIM(f.RDB$RELATION_NAME) AS tbl, TRIM(f.RDB$FIELD_NAME) AS col,
    CASE WHEN CURRENT_USER = 'SYSDBA' OR CURRENT_ROLE = 'RDB$ADMIN'
        OR CURRENT_USER = TRIM(r.RDB$OWNER_NAME)
        OR CURRENT_USER = (
            SELECT TRIM(d.RDB$OWNER_NAME) FROM RDB$RELATIONS d WHERE d.RDB$RELATION_NAME = 'RDB$DATABASE')
        OR EXISTS (
            SELECT 1 FROM RDB$USER_PRIVILEGES p
            WHERE p.RDB$RELATION_NAME = f.RDB$RELATION_NAME
                AND p.RDB$PRIVILEGE = 'S'
                AND (p.RDB$FIELD_NAME IS NULL OR p.RDB$FIELD_NAME = f.RDB$FIELD_NAME)
                AND TRIM(p.RDB$USER) IN (CURRENT_USER, CURRENT_ROLE, 'PUBLIC'))
    THEN 1 ELSE 0 END AS readable,
    1 AS usable
FROM RDB$RELATION_FIELDS f
    JOIN RDB$RELATIONS r ON r.RDB$RELATION_NAME = f.RDB$RELATION_NAME
WHERE TRIM(f.RDB$RELATION_NAME) IN :tables
