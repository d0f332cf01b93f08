-- Sonda de mudança do MV (HOTELEITOS_CHANGE_PROBE): uma consulta barata cujo resultado muda quando o censo pode ter
-- mudado. O conector compara um resumo (hash) das linhas, nunca as guarda nem as registra em log.
--
-- LEITO é pequena (uma linha por leito) e muda na admissão, na alta e na transferência: o MV marca TP_OCUPACAO do
-- leito ('O'/'I' ocupado, 'L' limpeza, 'V' livre). O atendimento mais novo dos tipos contados como internados (os
-- mesmos :tipos_atendimento e :empresas do censo) muda a cada internação nova, inclusive de quem ainda não tem leito;
-- atendimentos de ambulatório e de urgência sem leito não disparam leitura. Ele é lido pelo índice da chave
-- primária de ATENDIME, de trás para a frente, até o primeiro que serve (FETCH FIRST: Oracle 12c ou mais novo),
-- sem varrer a tabela.
-- O que a sonda não vê chega na leitura completa seguinte, no máximo HOTELEITOS_FULL_READ_EVERY (padrão 5 min)
-- depois: a troca de leito entre dois internados (os dois leitos seguem ocupados, nenhum atendimento novo), a alta
-- de um de dois atendimentos no mesmo leito (alojamento conjunto: o leito segue ocupado), a alta de quem não tem
-- leito e a correção de nome, convênio ou profissional. Ver quem ocupa cada leito pediria ATENDIME pelo CD_LEITO dos
-- atendimentos abertos (sem índice garantido; DT_ALTA IS NULL não usa índice B-tree no Oracle): quase o custo de
-- uma leitura completa, que a sonda existe para evitar. Medido em tests/integration/test_probe_blind_spots.py.
-- LEITO não tem CD_MULTI_EMPRESA: numa rede, a mudança de leito em outro hospital da base só antecipa uma leitura
-- completa.
SELECT
    l.CD_LEITO          AS leito,
    l.TP_OCUPACAO       AS ocupacao,
    u.CD_ATENDIMENTO    AS ultimo_atendimento
FROM $schema.LEITO l
    LEFT JOIN (
        SELECT a.CD_ATENDIMENTO
        FROM $schema.ATENDIME a
        WHERE a.TP_ATENDIMENTO IN :tipos_atendimento
            AND (:todas_empresas = 1 OR a.CD_MULTI_EMPRESA IN :empresas)
        ORDER BY a.CD_ATENDIMENTO DESC
        FETCH FIRST 1 ROWS ONLY
    ) u ON 1 = 1
