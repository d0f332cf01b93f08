-- Sonda de mudança do SPDATA (HOTELEITOS_CHANGE_PROBE): uma consulta barata cujo resultado muda quando o censo pode
-- ter mudado. O conector compara um resumo (hash) das linhas, nunca as guarda nem as registra em log.
--
-- O censo do SPDATA parte dos leitos: RILEITOS é pequena (uma linha por leito) e REG (a internação no leito, 0
-- quando livre) e STATUS dizem exatamente quem está internado e onde. O que a sonda não vê (a correção de nome,
-- convênio ou profissional) chega na leitura completa seguinte, no máximo HOTELEITOS_FULL_READ_EVERY depois.
SELECT
    l.LEITO         AS leito,
    l.REG           AS internacao,
    l.STATUS        AS situacao
FROM $schema.RILEITOS l
