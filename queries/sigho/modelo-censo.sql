-- Modelo da consulta do censo para o Sigho (serve também para o fornecedor custom).
-- Guia completo: docs/sigho.md.
--
-- O que a consulta deve devolver:
--   * uma linha por atendimento (internação) internado AGORA, no momento da consulta;
--   * exatamente as 15 colunas abaixo, com estes apelidos (maiúsculas ou minúsculas, tanto faz);
--   * NULL AS campo quando o sistema não tiver o dado (a coluna precisa existir no resultado).
--
-- Como adaptar:
--   1. Troque TABELA_INTERNACAO, TABELA_LEITO, TABELA_PACIENTE, TABELA_CONVENIO e TABELA_PROFISSIONAL
--      pelas tabelas reais do Sigho, e cada COLUNA_... pela coluna real.
--   2. Mantenha LEFT JOIN nas tabelas de apoio: um convênio, leito ou médico ausente nunca pode tirar o
--      paciente do censo (para a HOTELEITOS, paciente que some do censo recebeu alta).
--   3. Confira que cada junção encontra no máximo uma linha; uma junção que multiplica linhas gera
--      cod_ocorrencia repetido (o conector mantém uma e avisa, mas o certo é corrigir a consulta).
--   4. "$schema." é trocado pelo schema configurado (HOTELEITOS_SOURCE_SCHEMA ou DB_SCHEMA); sem schema
--      configurado, ou com valor vazio, o prefixo é removido. Pode também escrever o schema direto.
--   5. Se o leito atual ficar numa tabela de movimentação (uma linha por troca de leito), junte só a
--      movimentação em aberto e use o leito dela:
--          LEFT JOIN $schema.TABELA_MOVIMENTACAO mov ON mov.COLUNA_ATENDIMENTO = i.COLUNA_ATENDIMENTO
--                                                  AND mov.COLUNA_DATA_SAIDA IS NULL
--      e então mov.COLUNA_LEITO AS cod_leito.
--   6. Não use parâmetros (:nome fora de aspas): a consulta roda sem parâmetros.
--   7. SQL Server com collation que não seja Latin1: prefira 'INTERNACAO' sem acento no texto fixo.
--
-- O conector normaliza: textos aparados; datas (date, datetime, 'AAAA-MM-DD' ou 'DD/MM/AAAA') viram
-- AAAA-MM-DD; sexo M/F/I, Masculino/Feminino, 1/2; números inteiros sem casas decimais.
-- Comentários e um ponto e vírgula no final são aceitos.
SELECT
    i.COLUNA_ATENDIMENTO        AS cod_ocorrencia,            -- obrigatório: código do atendimento/internação
    l.COLUNA_QUARTO             AS cod_quarto,                -- quarto ou enfermaria do leito
    i.COLUNA_LEITO              AS cod_leito,                 -- leito atual (o código, não a descrição)
    c.COLUNA_CODIGO_CONVENIO    AS convenio_codigo,
    c.COLUNA_NOME_CONVENIO      AS convenio_nome,
    i.COLUNA_DATA_INTERNACAO    AS data_internacao,           -- date ou datetime: o conector fica com a data
    p.COLUNA_NOME_PACIENTE      AS paciente_nome,
    p.COLUNA_CODIGO_PACIENTE    AS paciente_codigo,           -- em geral o prontuário
    p.COLUNA_DATA_NASCIMENTO    AS paciente_data_nascimento,
    p.COLUNA_SEXO               AS paciente_sexo,             -- outro código? decodifique com CASE
    m.COLUNA_CBOS               AS profissional_cbos,         -- NULL AS profissional_cbos se não houver
    m.COLUNA_NOME_PROFISSIONAL  AS profissional_nome,
    m.COLUNA_CODIGO_PROFISSIONAL AS profissional_codigo,
    'I'                         AS tipo_ocorrencia_codigo,    -- ou a coluna do tipo de atendimento
    'INTERNAÇÃO'                AS tipo_ocorrencia_descricao
FROM $schema.TABELA_INTERNACAO i
    LEFT JOIN $schema.TABELA_LEITO l ON l.COLUNA_LEITO = i.COLUNA_LEITO
    LEFT JOIN $schema.TABELA_PACIENTE p ON p.COLUNA_CODIGO_PACIENTE = i.COLUNA_CODIGO_PACIENTE
    LEFT JOIN $schema.TABELA_CONVENIO c ON c.COLUNA_CODIGO_CONVENIO = i.COLUNA_CODIGO_CONVENIO
    LEFT JOIN $schema.TABELA_PROFISSIONAL m ON m.COLUNA_CODIGO_PROFISSIONAL = i.COLUNA_CODIGO_PROFISSIONAL
-- Internado agora: sem alta. Acrescente o que o Sigho usar para internações canceladas ou de outro tipo,
-- por exemplo: AND i.COLUNA_CANCELADA = 'N'
WHERE i.COLUNA_DATA_ALTA IS NULL
