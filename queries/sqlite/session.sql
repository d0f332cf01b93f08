-- Preparação de cada conexão no SQLite: a conexão só lê.
PRAGMA query_only = ON
