"""The HIS database, and everything that touches it through a driver.

    statements   the SQL files under queries/ (every statement sent to the database): found, read, rendered
    engine       engines with per-dialect session set-up: read-only, timeouts, Oracle SID/service name
    driver_text  per-driver hooks that hand text and time over as the HIS stored them
    fetch        the census read: streamed batches inside one read-only transaction
    watchdog     a client-side bound on every read, and its cancellation
    errors       driver errors translated into operator messages that point at a fix
    oracle_errors   Oracle's refusals by their inner codes (cause, remedy, every code); which ones need an operator
    oracle_connect  Oracle connections: SID or service name, thin or thick (the Oracle Client), the session's names
    oracle_account  the Oracle account's password expiry, read at each new session
    container    whether this process runs in a container (127.0.0.1 there is the container itself)
    login_backoff  a refused login waits longer each time, not to lock the account
    firebird     Firebird sessions: read-only transactions, statements bounded on the client
    catalog      what the configured user can read of the tables a query needs, from the database's own catalog
    schemas      which schema holds the vendor's tables, whether an optional column exists
    grants       the GRANT statements that close those gaps, in each engine's syntax

This layer knows nothing of vendors, of the census model or of the agent: adapters build on it.
"""
