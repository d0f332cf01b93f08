-- Sonda de mudança do Wareline (HOTELEITOS_CHANGE_PROBE): uma consulta barata cujo resultado muda quando o censo
-- pode ter mudado. O conector compara um resumo (hash) das linhas, nunca as guarda nem as registra em log.
--
-- cadlei é pequena (uma linha por leito) e muda na admissão, na alta e na transferência: tipobloq ('*' ocupado) e
-- auxatend (o atendimento que ocupa o leito; por ele, vê também a troca de leito entre dois internados). O que a
-- sonda não vê (a alta de quem o cadastro do leito não mostra: o segundo atendimento do leito, um leito desativado;
-- a correção de nome, convênio ou profissional) chega na leitura completa seguinte, no máximo
-- HOTELEITOS_FULL_READ_EVERY depois. Medido em tests/integration/test_probe_blind_spots.py.
-- SQL simples de propósito, para o PostgreSQL 8.4/9.x.
SELECT
    l.codlei        AS leito,
    l.tipobloq      AS bloqueio,
    l.auxatend      AS atendimento
FROM $schema.cadlei l
