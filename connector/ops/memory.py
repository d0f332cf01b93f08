"""The process's memory around the work: the cyclic collector at start-up and exit, and the allocator after a
large cycle.

Start-up (imports, settings, the vendor registry) creates some hundred thousand objects that live as long as the
process and no garbage worth a collection pass; each pass over them is pure cost, and so is the interpreter's
last pass over the whole heap at exit. `entry` keeps the collector off during start-up, `settle` moves what
start-up made out of its reach (`gc.freeze`) when the command's own work begins, and the one-shot process freezes
everything again before it exits.

After a large census the C allocator keeps the freed pages; `trim` hands them back (glibc's `malloc_trim`), so
that the daemon's resident memory between cycles is what it holds, not what it once needed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import cache

TRIM_AFTER_ROWS = 5000  # below this a cycle frees too little to be worth a trim


def settle() -> None:
    """Called when a command's work begins: if start-up ran with the collector off, freeze what it made (kept
    for the whole process) and turn the collector on. Otherwise (the command called in-process, as in tests)
    nothing changes."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def finish() -> None:
    """Called as a one-shot process ends: whatever is left is freed by the exit itself, not by a collection."""
    gc.freeze()


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None elsewhere (musl, macOS): then trimming is simply skipped."""
    import ctypes  # only in a daemon that read a large census: one-shot commands never need it

    try:
        function = ctypes.CDLL(None).malloc_trim  # the C library the interpreter itself is linked with
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    return function


def trim(rows: int | None) -> bool:
    """After a cycle that read `rows` rows: give the allocator's free pages back to the system. True if it did."""
    if rows is None or rows < TRIM_AFTER_ROWS:
        return False
    function = _malloc_trim()
    if function is None:
        return False
    function(0)
    return True
