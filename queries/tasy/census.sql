-- Censo de internados do Tasy (Philips), banco Oracle, schema TASY.
--
-- Internado agora: IE_TIPO_ATENDIMENTO = 1 (internado) AND DT_ALTA IS NULL AND DT_CANCELAMENTO IS NULL; o Tasy,
-- ao contrário do MV, marca atendimentos cancelados.
-- Leito atual: a estada (ATEND_PACIENTE_UNIDADE) do atendimento ainda aberta (DT_SAIDA_UNIDADE nula) que não é
-- passagem de setor (IE_PASSAGEM_SETOR diferente de 'S'); havendo várias abertas, a de DT_ENTRADA_UNIDADE mais
-- recente (empate: o maior NR_SEQ_INTERNO). Sem estada aberta o paciente continua no censo, sem leito. Lido das
-- tabelas, não das funções do Tasy (OBTER_ATEPACU_PACIENTE), que pedem EXECUTE ao usuário só-leitura.
-- Convênio atual: a linha de ATEND_CATEGORIA_CONVENIO do atendimento com DT_INICIO_VIGENCIA mais recente (empate:
-- o maior NR_SEQ_INTERNO); sem linha, convênio nulo.
-- As escolhas "a mais recente" usam NOT EXISTS em vez de funções analíticas ou subconsultas no ON de um LEFT JOIN,
-- que versões antigas do Oracle recusam; cada uma segue o índice do atendimento (NR_ATENDIMENTO).
--
-- Parâmetros (ligados pelo conector; nunca concatenados):
--   :todos_estabelecimentos  1 para todos os hospitais da base; 0 para filtrar por :estabelecimentos.
--   :estabelecimentos        valores de CD_ESTABELECIMENTO (grupos com vários hospitais numa base Tasy).
-- $schema. é trocado pelo schema configurado (HOTELEITOS_SOURCE_SCHEMA, padrão TASY).
--
-- Mapeamentos:
--   cod_ocorrencia   = ATENDIMENTO_PACIENTE.NR_ATENDIMENTO
--   cod_leito        = CD_UNIDADE_BASICA || ' ' || CD_UNIDADE_COMPL da estada atual (o "CD_UNIDADE" do próprio Tasy).
--   cod_quarto       = CD_UNIDADE_BASICA. SUPOSIÇÃO: a divisão entre quarto e leito (unidade básica e complemento)
--                      depende de como cada hospital cadastrou as unidades; confira com o mapa de leitos.
--   paciente_*       = PESSOA_FISICA do paciente (paciente_codigo = CD_PESSOA_FISICA).
--   profissional_*   = PESSOA_FISICA do médico responsável (CD_MEDICO_RESP): CD_CBO_SUS, NM_PESSOA_FISICA.
--   tipo_ocorrencia_codigo = IE_TIPO_ATENDIMENTO; a descrição é o código decodificado (1 = INTERNAÇÃO).
-- Sem AS antes de apelidos de tabela e sem sintaxe própria de um banco: o mesmo arquivo roda no Oracle, nas réplicas
-- PostgreSQL dos testes e no SQLite da demonstração.
SELECT
    a.NR_ATENDIMENTO        AS cod_ocorrencia,
    u.CD_UNIDADE_BASICA     AS cod_quarto,
    CASE WHEN u.CD_UNIDADE_BASICA IS NOT NULL
        THEN u.CD_UNIDADE_BASICA || ' ' || COALESCE(u.CD_UNIDADE_COMPL, '')
    END                     AS cod_leito,
    k.CD_CONVENIO           AS convenio_codigo,
    c.DS_CONVENIO           AS convenio_nome,
    a.DT_ENTRADA            AS data_internacao,
    p.NM_PESSOA_FISICA      AS paciente_nome,
    a.CD_PESSOA_FISICA      AS paciente_codigo,
    p.DT_NASCIMENTO         AS paciente_data_nascimento,
    p.IE_SEXO               AS paciente_sexo,
    m.CD_CBO_SUS            AS profissional_cbos,
    m.NM_PESSOA_FISICA      AS profissional_nome,
    a.CD_MEDICO_RESP        AS profissional_codigo,
    a.IE_TIPO_ATENDIMENTO   AS tipo_ocorrencia_codigo,
    CASE a.IE_TIPO_ATENDIMENTO
        WHEN 1 THEN 'INTERNAÇÃO'
        WHEN 3 THEN 'PRONTO-SOCORRO'
        WHEN 7 THEN 'EXTERNO'
        WHEN 8 THEN 'AMBULATORIAL'
    END                     AS tipo_ocorrencia_descricao
FROM $schema.ATENDIMENTO_PACIENTE a
    LEFT JOIN $schema.PESSOA_FISICA p ON p.CD_PESSOA_FISICA = a.CD_PESSOA_FISICA
    LEFT JOIN $schema.PESSOA_FISICA m ON m.CD_PESSOA_FISICA = a.CD_MEDICO_RESP
    LEFT JOIN $schema.ATEND_PACIENTE_UNIDADE u ON u.NR_ATENDIMENTO = a.NR_ATENDIMENTO
        AND u.DT_SAIDA_UNIDADE IS NULL
        AND (u.IE_PASSAGEM_SETOR IS NULL OR u.IE_PASSAGEM_SETOR <> 'S')
    LEFT JOIN $schema.ATEND_CATEGORIA_CONVENIO k ON k.NR_ATENDIMENTO = a.NR_ATENDIMENTO
    LEFT JOIN $schema.CONVENIO c ON c.CD_CONVENIO = k.CD_CONVENIO
WHERE a.IE_TIPO_ATENDIMENTO = 1
    AND a.DT_ALTA IS NULL
    AND a.DT_CANCELAMENTO IS NULL
    AND (:todos_estabelecimentos = 1 OR a.CD_ESTABELECIMENTO IN :estabelecimentos)
    AND NOT EXISTS (
        SELECT 1
        FROM $schema.ATEND_PACIENTE_UNIDADE nu
        WHERE nu.NR_ATENDIMENTO = u.NR_ATENDIMENTO
            AND nu.DT_SAIDA_UNIDADE IS NULL
            AND (nu.IE_PASSAGEM_SETOR IS NULL OR nu.IE_PASSAGEM_SETOR <> 'S')
            AND (nu.DT_ENTRADA_UNIDADE > u.DT_ENTRADA_UNIDADE
                 OR (nu.DT_ENTRADA_UNIDADE = u.DT_ENTRADA_UNIDADE AND nu.NR_SEQ_INTERNO > u.NR_SEQ_INTERNO))
    )
    AND NOT EXISTS (
        SELECT 1
        FROM $schema.ATEND_CATEGORIA_CONVENIO nk
        WHERE nk.NR_ATENDIMENTO = k.NR_ATENDIMENTO
            AND (nk.DT_INICIO_VIGENCIA > k.DT_INICIO_VIGENCIA
                 OR (nk.DT_INICIO_VIGENCIA = k.DT_INICIO_VIGENCIA AND nk.NR_SEQ_INTERNO > k.NR_SEQ_INTERNO))
    )
