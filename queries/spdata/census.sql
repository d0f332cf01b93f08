-- Censo de internados do SPDATA, banco Firebird (sem schema: as tabelas ficam no próprio banco .fdb).
--
-- Internado agora: um leito ocupado, RILEITOS.REG <> 0 e STATUS diferente de 'I' (inativo), ligado à internação
-- (RICADINT) pelo REG: o censo do SPDATA parte dos leitos, como o código de censo público do sistema. Um STATUS
-- nulo não é inativo: o leito conta. A alta (RICADINT.ALTA) não é lida: o SPDATA libera o leito (REG = 0) na alta.
-- Datas: o SPDATA grava "sem data" como 30/12/1899, não como nulo; essa data nunca é enviada (vira nulo).
--
-- Mapeamentos:
--   cod_ocorrencia      = RICADINT.REG
--   cod_leito           = RILEITOS.LEITO. SUPOSIÇÃO: o nome da coluna do código do leito não foi confirmado.
--   cod_quarto          = RILEITOS.ACOMOD (a acomodação do leito)
--   convenio_*          = TBCONVEN (COD, NOME) pelo RICADINT.CONV; sem convênio, nulo
--   data_internacao     = RICADINT.ENTRADA (a hora fica em HORAENT e não é enviada)
--   paciente_*          = RICADPAC pelo prontuário (PRONT); paciente_codigo = PRONT.
--                         paciente_sexo = RICADPAC.SEXO. SUPOSIÇÃO: o nome da coluna não foi confirmado.
--   profissional_codigo = RICADINT.MEDASS (CPF/CNPJ do médico assistente); profissional_nome = TBPROFIS.NOME.
--   profissional_cbos   = nulo: o CBO do profissional não é conhecido no SPDATA.
--   tipo_ocorrencia     = 'I' / 'INTERNAÇÃO'. SUPOSIÇÃO: RICADINT só guarda internações.
-- A comparação com '1899-12-30' vale para colunas DATE e TIMESTAMP (o Firebird converte o texto).
SELECT
    r.REG                               AS cod_ocorrencia,
    l.ACOMOD                            AS cod_quarto,
    l.LEITO                             AS cod_leito,
    c.COD                               AS convenio_codigo,
    c.NOME                              AS convenio_nome,
    NULLIF(r.ENTRADA, '1899-12-30')     AS data_internacao,
    p.NOME                              AS paciente_nome,
    r.PRONT                             AS paciente_codigo,
    NULLIF(p.NASC, '1899-12-30')        AS paciente_data_nascimento,
    p.SEXO                              AS paciente_sexo,
    NULL                                AS profissional_cbos,
    m.NOME                              AS profissional_nome,
    r.MEDASS                            AS profissional_codigo,
    'I'                                 AS tipo_ocorrencia_codigo,
    'INTERNAÇÃO'                        AS tipo_ocorrencia_descricao
FROM $schema.RILEITOS l
    JOIN $schema.RICADINT r ON r.REG = l.REG
    LEFT JOIN $schema.RICADPAC p ON p.PRONT = r.PRONT
    LEFT JOIN $schema.TBCONVEN c ON c.COD = r.CONV
    LEFT JOIN $schema.TBPROFIS m ON m.CNPJ_CPF = r.MEDASS
WHERE l.REG <> 0
    AND (l.STATUS IS NULL OR l.STATUS <> 'I')
