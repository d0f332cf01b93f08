"""Delivery: from a census to the API, with nothing lost on the way (contract §2, §6).

    snapshot.py       the whole census at one instant, serialised once, sent as is on every attempt
    guard.py          the mass-discharge guard's judgement: a pure function over its state
    guard_state.py    the guard's state on disk and its one writer: judge and store, release, discard
    outbox.py         the durable queue: every snapshot on disk before its push, the guard's state beside it
    outbox_file.py    the SQLite file behind the outbox: opening it, telling it is sound, salvaging it
    outbox_pages.py   the outbox's rows read page by page, for what SQLite cannot reach in a damaged file
    courier.py        what the outbox holds goes to the API oldest first, one snapshot at a time
    sink.py           the HOTELEITOS API: one POST per snapshot, classified and retried
    http_exchange.py  one HTTP exchange, bounded whatever the peer does
    state_lock.py     one agent per state folder: an OS lock naming its holder

This room knows nothing of databases or vendors.
"""
