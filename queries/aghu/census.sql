-- Censo de internados do AGHU / AGHUse (hospitais universitários federais), banco PostgreSQL, schema agh.
--
-- Internado agora: ain_internacoes.ind_paciente_internado = 'S' (o AGHU grava booleanos como 'S'/'N').
-- O paciente pode estar num leito (ind_local_paciente 'L'), só num quarto ('Q') ou só numa unidade ('U'):
-- sem leito, cod_leito fica nulo e o quarto vem da própria internação; ninguém sai do censo por isso.
-- $schema. é trocado pelo schema configurado (HOTELEITOS_SOURCE_SCHEMA, padrão agh).
-- :hoje é a data da leitura no fuso do hospital (HOTELEITOS_TIMEZONE), calculada pelo conector a cada leitura.
--
-- Mapeamentos:
--   cod_ocorrencia      = ain_internacoes.seq
--   cod_leito           = ain_internacoes.lto_lto_id (o leito atual)
--   cod_quarto          = ain_leitos.qrt_numero do leito; sem leito, ain_internacoes.qrt_numero
--   convenio_*          = fat_convenios_saude (csp_cnv_codigo); sem convênio, nulo
--   paciente_codigo     = aip_pacientes.prontuario (o número que a equipe usa)
--   profissional_codigo = matrícula-vínculo do professor responsável (ser_matricula_professor-ser_vin_codigo_professor)
--   profissional_nome   = rap_servidores -> rap_pessoas_fisicas.nome
--   profissional_cbos   = rap_pessoa_tipo_informacoes.valor do tipo de informação que o parâmetro P_TIPO_INF_CBO
--                         (agh_parametros.vlr_numerico) aponta, vigente em :hoje; nulo se o parâmetro não existir.
--                         Vigência por data, com o primeiro e o último dia, como o próprio AGHU conta
--                         (RapPessoaTipoInformacoesDAO: trunc(?) between dt_inicio and nvl(dt_fim, ...)): o AGHU
--                         grava dt_fim à meia-noite, e comparar com a hora atual tiraria o CBO no seu último dia.
--                         Sem dt_inicio ou sem dt_fim, a vigência não tem esse limite.
--   tipo_ocorrencia     = 'I' / 'INTERNAÇÃO' (só internações são lidas)
SELECT
    i.seq                   AS cod_ocorrencia,
    COALESCE(l.qrt_numero, i.qrt_numero) AS cod_quarto,
    i.lto_lto_id            AS cod_leito,
    c.codigo                AS convenio_codigo,
    c.descricao             AS convenio_nome,
    i.dthr_internacao       AS data_internacao,
    p.nome                  AS paciente_nome,
    p.prontuario            AS paciente_codigo,
    p.dt_nascimento         AS paciente_data_nascimento,
    p.sexo                  AS paciente_sexo,
    (
        SELECT MAX(t.valor)
        FROM $schema.rap_pessoa_tipo_informacoes t
            JOIN $schema.agh_parametros g ON g.vlr_numerico = t.tii_seq
        WHERE g.nome = 'P_TIPO_INF_CBO'
            AND t.pes_codigo = s.pes_codigo
            AND (t.dt_inicio IS NULL OR CAST(t.dt_inicio AS DATE) <= :hoje)
            AND (t.dt_fim IS NULL OR CAST(t.dt_fim AS DATE) >= :hoje)
    )                       AS profissional_cbos,
    f.nome                  AS profissional_nome,
    CAST(i.ser_matricula_professor AS VARCHAR(20)) || '-' || CAST(i.ser_vin_codigo_professor AS VARCHAR(10))
                            AS profissional_codigo,
    'I'                     AS tipo_ocorrencia_codigo,
    'INTERNAÇÃO'            AS tipo_ocorrencia_descricao
FROM $schema.ain_internacoes i
    LEFT JOIN $schema.ain_leitos l ON l.lto_id = i.lto_lto_id
    LEFT JOIN $schema.aip_pacientes p ON p.codigo = i.pac_codigo
    LEFT JOIN $schema.fat_convenios_saude c ON c.codigo = i.csp_cnv_codigo
    LEFT JOIN $schema.rap_servidores s ON s.matricula = i.ser_matricula_professor
        AND s.vin_codigo = i.ser_vin_codigo_professor
    LEFT JOIN $schema.rap_pessoas_fisicas f ON f.codigo = s.pes_codigo
WHERE i.ind_paciente_internado = 'S'
