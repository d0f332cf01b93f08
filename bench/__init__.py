"""The performance harness: the connector's cycle against a hand-written baseline, on real services."""
