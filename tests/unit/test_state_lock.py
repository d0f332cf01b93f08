"""One agent per state folder: the second lock on a folder is refused with the holder named, and the folder is free
again once the holder lets go."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from connector.delivery.state_lock import StateLock
from connector.errors import ConfigError


def test_a_second_lock_on_the_folder_names_the_holder_then_gets_it_once_free(tmp_path: Path) -> None:
    """The second `acquire` waits its few seconds and refuses with PID and host; after `release` it succeeds."""
    first, second = StateLock(tmp_path / "estado"), StateLock(tmp_path / "estado")
    first.acquire()
    with pytest.raises(ConfigError) as refused:
        second.acquire(wait=0.2)
    (message,) = refused.value.problems
    assert f"PID {os.getpid()}" in message and socket.gethostname() in message and str(tmp_path) in message
    first.release()
    second.acquire(wait=0.2)
    second.release()
