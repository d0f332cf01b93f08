"""What the tests share, beside the fixtures of tests/conftest.py:

    cli.py                    the CLI as a subprocess (`run_cli`), its JSON log events, the repository's root
    services.py               fresh PostgreSQL, MariaDB and Firebird databases (fail under CI=true, skip elsewhere)
    receivers.py              scripted HTTP receivers on 127.0.0.1 (faults, TLS)
    hostile.py                an API that misbehaves over raw sockets (trickles, captive portal, gzip bomb)
    http_proxy.py, tcp_proxy.py  a forwarding HTTP proxy; a TCP proxy that cuts or silences the network
    processes.py              `hoteleitos-connector run` as a background process, free ports
    tns.py                    Oracle listener stand-ins (11.2, native encryption required, refusals)
    hospital.py               a `custom` HIS on PostgreSQL whose census size each test sets (the `hospital` fixture)
    <vendor>_replica.py       a vendor's tables (from adapters/<vendor>/tables.py) filled with the census' edge
                              cases, and the census they must give; custom_replica.py: an HIS without an adapter

The replicas' rows are test data, kept here rather than beside the adapter so that the package ships the vendor's
table definitions (the demo needs them) but no test patients or expected census.
"""
