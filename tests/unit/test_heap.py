"""The process's memory around the work (connector.ops.memory): the collector at start-up, the allocator after a
cycle."""

from __future__ import annotations

import gc
import platform

import pytest

from connector.ops import memory


def test_settle_freezes_start_up_and_turns_the_collector_on() -> None:
    """After a start-up with the collector off, `settle` freezes what exists and turns the collector back on."""
    gc.disable()
    try:
        memory.settle()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_settle_leaves_a_running_collector_alone() -> None:
    """Called in-process with the collector on (tests, the demo), `settle` freezes nothing."""
    assert gc.isenabled()
    before = gc.get_freeze_count()
    memory.settle()
    assert gc.isenabled() and gc.get_freeze_count() == before


def test_small_cycles_are_not_trimmed() -> None:
    """A cycle of a few hundred rows frees too little to call the allocator; a failed read (no rows) neither."""
    assert memory.trim(300) is False
    assert memory.trim(None) is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_large_cycles_give_memory_back_on_glibc() -> None:
    """After a large cycle glibc's `malloc_trim` is called."""
    assert memory.trim(memory.TRIM_AFTER_ROWS) is True
