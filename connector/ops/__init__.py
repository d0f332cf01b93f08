"""Operations: what tells a person the agent is working, and what keeps the process healthy.

health.py        /healthz, /readyz, /metrics on the health port
http_server.py   the health port's server, which a flood of connections cannot turn against the agent
readiness.py     what /readyz may say of a cycle's failures: their kinds only
metrics.py       the Prometheus metrics (hoteleitos_*)
logs.py          structlog: JSON lines in a container, console on a terminal
telemetry.py     a cycle's report turned into its logs and metrics, in one place
cycle_report.py  what one cycle did, as data
unexpected.py    a defect told without a traceback and without its message
own_files.py     the connector's files are its user's only
memory.py        the collector and the allocator around the work
"""
