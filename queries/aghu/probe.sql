-- Sonda de mudança do AGHU / AGHUse (HOTELEITOS_CHANGE_PROBE): uma consulta barata cujo resultado muda quando o
-- censo pode ter mudado. O conector compara um resumo (hash) das linhas, nunca as guarda nem as registra em log.
--
-- ain_leitos é pequena (uma linha por leito) e int_seq diz qual internação ocupa o leito: muda na admissão, na
-- alta e na transferência. O maior seq de ain_internacoes (a chave, lida pelo índice da chave primária) muda a
-- cada internação nova, inclusive de quem fica só num quarto ou numa unidade, sem leito.
-- O que a sonda não vê (a alta do segundo internado de um leito, que int_seq não registra; a alta ou a troca de
-- quarto de quem não tem leito; a correção de nome, convênio ou profissional) chega na leitura completa seguinte, no
-- máximo HOTELEITOS_FULL_READ_EVERY depois. Medido em tests/integration/test_probe_blind_spots.py.
SELECT
    l.lto_id        AS leito,
    l.int_seq       AS internacao,
    u.ultima        AS ultima_internacao
FROM $schema.ain_leitos l
    CROSS JOIN (SELECT MAX(i.seq) AS ultima FROM $schema.ain_internacoes i) u
