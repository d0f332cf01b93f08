"""The HIS database, and everything that touches it through a driver.

    urls     SQLAlchemy URLs: the stack's default drivers, checks, the incumbent's DB_* mapping
    engine   engines with per-dialect session setup: read-only, timeouts, Oracle SID/service name
    fetch    the census read: streamed batches inside one read-only transaction
    errors   driver errors translated into operator messages that point at a fix
    container whether this process runs in a container (127.0.0.1 there is the container itself)
    firebird Firebird sessions: read-only transactions, statements bounded on the client
    catalog  what the configured user can read of the tables a query needs, from the database's own catalog
    grants   the GRANT statements that close those gaps, in each engine's syntax

This layer knows nothing of vendors, of the census model or of the agent: adapters build on it.
"""
