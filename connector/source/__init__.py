"""The HIS database, and everything that touches it through a driver.

    urls     SQLAlchemy URLs: the stack's default drivers, checks, the incumbent's DB_* mapping
    engine   engines with per-dialect session setup: read-only, timeouts, the Oracle driver's mode
    fetch    the census read: streamed batches inside one read-only transaction
    errors   driver errors translated into operator messages that point at a fix
    oracle_errors   Oracle's refusals by their inner codes (cause, remedy, every code); which ones need an operator
    oracle_connect  Oracle connections: SID or service name, thin or thick (the Oracle Client), the session's names
    oracle_account  the Oracle account's password expiry, read at each new session
    query_files     statements kept as files in the top-level queries/ folder
    firebird Firebird sessions: read-only transactions, statements bounded on the client
    catalog  what the configured user can read of the tables a query needs, from the database's own catalog
    grants   the GRANT statements that close those gaps, in each engine's syntax

This layer knows nothing of vendors, of the census model or of the agent: adapters build on it.
"""
