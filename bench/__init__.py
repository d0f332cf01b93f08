"""The performance harness, on real services: the connector's cycle against a hand-written baseline (`python -m
bench`), the cycle of several copies of the source in alternation (`python -m bench.compare`), freshness and
database load of the 30 s schedule against the change probe (`python -m bench.freshness`), and what the status page
costs at 50,000 patients (`python -m bench.status_page`)."""
