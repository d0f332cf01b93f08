"""Operations: what tells a person the agent is working, and what keeps the process healthy.

health.py        /healthz, /readyz, /metrics and the status page (/) on the health port
status.py        the status page's board: what the agent keeps, gathered after each cycle, drawn on request
status_page.py   the page itself: HTML with inline styles and SVG charts (status_charts.py), no script
status_problems.py  what went wrong, in plain words with what to do
history.py       the page's last 24 hours, in the state folder
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
