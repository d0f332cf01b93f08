"""The commands an operator runs, and what wires the parts together for them.

cli.py            `hoteleitos-connector`: parses the command line, loads the settings, runs a command
configuration.py  the settings, checked by the vendors' adapters too
runner.py         `run`: cycles on the schedule or paced by the change probe, the health server, a graceful stop
pacing.py         with the change probe on: when to read the whole census
check.py          `check`: one verdict per item
preview.py        `preview`: the census that would be sent
outbox.py         `outbox`: what waits, what is held, what the API refused
release.py        `release` (and `outbox retry` of a held census): the newest held census goes out
summaries.py      a cycle and the effective configuration, in a few lines for the operator
demo/             `demo`: a synthetic hospital and a local receiver
"""
