"""The embedded demo: a synthetic hospital in SQLite on any vendor's tables, a local HOTELEITOS receiver, live
cycles."""
