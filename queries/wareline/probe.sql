-- Sonda de mudança do Wareline (HOTELEITOS_CHANGE_PROBE): uma consulta barata cujo resultado muda quando o censo
-- pode ter mudado. O conector compara um resumo (hash) das linhas, nunca as guarda nem as registra em log.
--
-- cadlei é pequena (uma linha por leito) e muda na admissão, na alta e na transferência: tipobloq ('*' ocupado) e
-- auxatend (o atendimento que ocupa o leito). O que a sonda não vê (troca de convênio, de nome, de profissional)
-- chega na leitura completa, pelo menos a cada HOTELEITOS_FULL_READ_EVERY.
-- SQL simples de propósito, para o PostgreSQL 8.4/9.x.
SELECT
    l.codlei        AS leito,
    l.tipobloq      AS bloqueio,
    l.auxatend      AS atendimento
FROM $schema.cadlei l
