-- A cada conexão nova: o conjunto de caracteres padrão do banco (NONE quando não declara nenhum), para ler o texto
-- como o sistema hospitalar o gravou.
SELECT RDB$CHARACTER_SET_NAME FROM RDB$DATABASE
