-- Censo de internados do Wareline, banco PostgreSQL (muitas vezes 9.x; banco db1, schema public).
--
-- Internado agora: arqint.posicao = 'I'. O leito é o da internação (arqint.codlei), mesmo que o cadastro do
-- leito esteja desativado (cadlei.tipobloq = 'D'): tirar o paciente do censo seria uma alta falsa.
-- Os códigos são char com zeros à esquerda: o conector apara os espaços e mantém os zeros.
-- $schema. é trocado pelo schema configurado (HOTELEITOS_SOURCE_SCHEMA, padrão public).
-- SQL simples de propósito (sem FILTER, LATERAL nem casts com ::) para rodar no PostgreSQL 9.1.
--
-- Mapeamentos:
--   cod_ocorrencia = arqatend.numatend
--   cod_leito      = arqint.codlei
--   cod_quarto     = cadlei.codaco. SUPOSIÇÃO: o Wareline não tem tabela de quartos; a acomodação (codaco)
--                    do leito é o agrupamento mais próximo de um quarto.
--   convenio_*     = cadconv, alcançado pelo plano (cadplaco.codconv); plano sem convênio dá null.
--   profissional_* = cadprest (nomeprest, codprest) do atendimento; o CBO é cadprest.cbo (CBO 2002, coluna que só
--                    algumas instalações têm) quando existe e está preenchido, senão cadprest.cbos (CBO-S antigo).
--                    $cbo é trocado pelo conector conforme o catálogo mostra a coluna cbo ou não.
-- Schema: sem HOTELEITOS_SOURCE_SCHEMA, o conector procura no catálogo o schema que tem arqatend (public na
-- maioria das instalações, "PACIENTE" em outras).
--   tipo_ocorrencia_codigo = arqatend.tipoatend; a descrição é o código decodificado.
SELECT
    a.numatend      AS cod_ocorrencia,
    l.codaco        AS cod_quarto,
    i.codlei        AS cod_leito,
    cv.codconv      AS convenio_codigo,
    cv.nomeconv     AS convenio_nome,
    a.datatend      AS data_internacao,
    p.nomepac       AS paciente_nome,
    p.codpac        AS paciente_codigo,
    p.datanasc      AS paciente_data_nascimento,
    p.sexo          AS paciente_sexo,
    $cbo            AS profissional_cbos,
    pr.nomeprest    AS profissional_nome,
    pr.codprest     AS profissional_codigo,
    a.tipoatend     AS tipo_ocorrencia_codigo,
    CASE a.tipoatend
        WHEN 'I' THEN 'INTERNAÇÃO'
        WHEN 'A' THEN 'AMBULATÓRIO'
        WHEN 'E' THEN 'EXTERNO'
    END             AS tipo_ocorrencia_descricao
FROM $schema.arqint i
    JOIN $schema.arqatend a ON a.numatend = i.numatend
    LEFT JOIN $schema.cadlei l ON l.codlei = i.codlei
    LEFT JOIN $schema.cadpac p ON p.codpac = a.codpac
    LEFT JOIN $schema.cadplaco pl ON pl.codplaco = a.codplaco
    LEFT JOIN $schema.cadconv cv ON cv.codconv = pl.codconv
    LEFT JOIN $schema.cadprest pr ON pr.codprest = a.codprest
WHERE i.posicao = 'I'
