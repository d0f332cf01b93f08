-- Sonda de mudança do MV para Oracle 11g (o servidor não conhece FETCH FIRST, da 12c): a mesma consulta de
-- probe.sql, com o atendimento mais novo pedido por ROWNUM sobre uma visão em linha ordenada. O Oracle lê o índice
-- da chave primária de ATENDIME de trás para a frente e para na primeira linha que serve (COUNT STOPKEY), sem varrer
-- a tabela; um MAX(CD_ATENDIMENTO) com o filtro de tipo leria todos os atendimentos desses tipos. O conector escolhe
-- este arquivo quando o servidor diz ser anterior à 12c.
-- Ela vê, e deixa de ver, o mesmo que probe.sql (veja o cabeçalho de lá).
SELECT
    l.CD_LEITO          AS leito,
    l.TP_OCUPACAO       AS ocupacao,
    u.CD_ATENDIMENTO    AS ultimo_atendimento
FROM $schema.LEITO l
    LEFT JOIN (
        SELECT recentes.CD_ATENDIMENTO
        FROM (
            SELECT a.CD_ATENDIMENTO
            FROM $schema.ATENDIME a
            WHERE a.TP_ATENDIMENTO IN :tipos_atendimento
                AND (:todas_empresas = 1 OR a.CD_MULTI_EMPRESA IN :empresas)
            ORDER BY a.CD_ATENDIMENTO DESC
        ) recentes
        WHERE ROWNUM = 1
    ) u ON 1 = 1
