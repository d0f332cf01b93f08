-- Sonda de mudança do MV (HOTELEITOS_CHANGE_PROBE): uma consulta barata cujo resultado muda quando o censo pode ter
-- mudado. O conector compara um resumo (hash) das linhas, nunca as guarda nem as registra em log.
--
-- LEITO é pequena (uma linha por leito) e muda na admissão, na alta e na transferência: o MV marca TP_OCUPACAO do
-- leito ('O'/'I' ocupado, 'L' limpeza, 'V' livre). O maior CD_ATENDIMENTO (a chave de ATENDIME, lida pelo índice da
-- chave primária, sem varrer a tabela) muda a cada atendimento novo, inclusive de um internado ainda sem leito.
-- O que a sonda não vê (alta de quem não tem leito, troca de convênio ou de nome) chega na leitura completa, pelo
-- menos a cada HOTELEITOS_FULL_READ_EVERY. Todos os hospitais da base MV entram (LEITO não tem CD_MULTI_EMPRESA):
-- uma mudança em outro hospital da rede só antecipa uma leitura completa.
SELECT
    l.CD_LEITO          AS leito,
    l.TP_OCUPACAO       AS ocupacao,
    u.ultimo            AS ultimo_atendimento
FROM $schema.LEITO l
    CROSS JOIN (SELECT MAX(a.CD_ATENDIMENTO) AS ultimo FROM $schema.ATENDIME a) u
