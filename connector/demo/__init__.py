"""The embedded demo: a synthetic MV hospital in SQLite, a local HOTELEITOS receiver, live cycles."""
