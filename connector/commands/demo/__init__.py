"""The embedded demo: a synthetic hospital in SQLite on any vendor's tables (written by the vendor's
`adapters/<vendor>/tables.py`), a local HOTELEITOS receiver, live cycles."""
