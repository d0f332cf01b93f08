-- Censo de internados do MV (SOUL MV / MV 2000), banco Oracle, schema DBAMV.
--
-- Um registro por atendimento internado agora: TP_ATENDIMENTO = 'I' AND DT_ALTA IS NULL, o mesmo
-- critério das consultas de censo públicas do MV.
--
-- Parâmetros (ligados pelo conector; nunca concatenados):
--   :tipos_atendimento  códigos de TP_ATENDIMENTO contados como internados (padrão: I). Tipos além de I,
--                       como U (urgência em leito de observação), contam só quando ocupam um leito.
--   :todas_empresas     1 para todos os hospitais da base; 0 para filtrar por :empresas.
--   :empresas           valores de CD_MULTI_EMPRESA (redes com vários hospitais numa base MV).
-- $schema. é trocado pelo schema configurado (HOTELEITOS_SOURCE_SCHEMA, padrão DBAMV).
--
-- Mapeamentos:
--   cod_leito  = ATENDIME.CD_LEITO (o código do leito, não DS_LEITO).
--   cod_quarto = LEITO.DS_ENFERMARIA. SUPOSIÇÃO: o MV não tem tabela de quartos; DS_ENFERMARIA é o rótulo
--                do quarto/enfermaria exibido no mapa de leitos.
--   tipo_ocorrencia_descricao = TP_ATENDIMENTO decodificado.
-- Sem AS antes de apelidos de tabela e sem sintaxe própria de um banco: o mesmo arquivo roda no Oracle
-- e nas réplicas PostgreSQL usadas nos testes.
SELECT
    a.CD_ATENDIMENTO   AS cod_ocorrencia,
    l.DS_ENFERMARIA    AS cod_quarto,
    a.CD_LEITO         AS cod_leito,
    c.CD_CONVENIO      AS convenio_codigo,
    c.NM_CONVENIO      AS convenio_nome,
    a.DT_ATENDIMENTO   AS data_internacao,
    p.NM_PACIENTE      AS paciente_nome,
    p.CD_PACIENTE      AS paciente_codigo,
    p.DT_NASCIMENTO    AS paciente_data_nascimento,
    p.TP_SEXO          AS paciente_sexo,
    pr.CD_CBOS         AS profissional_cbos,
    pr.NM_PRESTADOR    AS profissional_nome,
    pr.CD_PRESTADOR    AS profissional_codigo,
    a.TP_ATENDIMENTO   AS tipo_ocorrencia_codigo,
    CASE a.TP_ATENDIMENTO
        WHEN 'I' THEN 'INTERNAÇÃO'
        WHEN 'U' THEN 'URGÊNCIA'
        WHEN 'A' THEN 'AMBULATÓRIO'
        WHEN 'E' THEN 'EXTERNO'
        WHEN 'H' THEN 'HOME CARE'
    END                AS tipo_ocorrencia_descricao
FROM $schema.ATENDIME a
    LEFT JOIN $schema.PACIENTE p ON p.CD_PACIENTE = a.CD_PACIENTE
    LEFT JOIN $schema.LEITO l ON l.CD_LEITO = a.CD_LEITO
    LEFT JOIN $schema.CONVENIO c ON c.CD_CONVENIO = a.CD_CONVENIO
    LEFT JOIN $schema.PRESTADOR pr ON pr.CD_PRESTADOR = a.CD_PRESTADOR
WHERE a.DT_ALTA IS NULL
    AND a.TP_ATENDIMENTO IN :tipos_atendimento
    AND (a.TP_ATENDIMENTO = 'I' OR a.CD_LEITO IS NOT NULL)
    AND (:todas_empresas = 1 OR a.CD_MULTI_EMPRESA IN :empresas)
