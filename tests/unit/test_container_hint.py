"""Inside a container, a database on 127.0.0.1 that does not answer gets a message saying why: 127.0.0.1 is the
container itself; and how the connector knows it runs in one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from connector.source import container
from connector.source.container import inside_container, local_host_hint
from connector.source.errors import translate

REFUSED = 'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@pytest.mark.parametrize(
    ("files", "environ", "expected"),
    [
        ({".dockerenv": ""}, {}, True),
        ({"run/.containerenv": ""}, {}, True),
        ({}, {"container": "podman"}, True),
        ({"proc/1/cgroup": "0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-1f2e.scope\n"}, {}, True),
        ({"proc/1/cgroup": "12:pids:/docker/5f0c2a91d3e4\n"}, {}, True),
        ({"proc/1/cgroup": "0::/init.scope\n"}, {}, False),
        ({}, {}, False),
    ],
)
def test_container_is_recognised(
    tmp_path: Path, files: dict[str, str], environ: dict[str, str], expected: bool
) -> None:
    """Docker's and podman's marker files, podman's `container` variable and a runtime in PID 1's control groups
    mean a container; a host's init scope or nothing at all does not."""
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    assert inside_container(tmp_path, environ) is expected


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_local_hosts_get_the_hint_only_inside_a_container(host: str) -> None:
    """The loopback names get the hint in a container, and nothing outside one."""
    assert "host.containers.internal" in local_host_hint(host, contained=True)
    assert local_host_hint(host, contained=False) == ""


def test_a_real_host_name_gets_no_hint() -> None:
    """A database named by its own address is not about the container's loopback."""
    assert local_host_hint("10.0.0.5", contained=True) == ""
    assert local_host_hint(None, contained=True) == ""


def test_unreachable_message_explains_the_container_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """`DB_HOST=127.0.0.1` refused from inside a container: the message says that 127.0.0.1 is the container and
    names what to use; on the host itself the same refusal says nothing of containers."""
    url = make_url("postgresql+psycopg://leitor:segredo@127.0.0.1:5432/his")
    error = OperationalError("SELECT 1", {}, Exception(REFUSED))
    container.in_container.cache_clear()
    monkeypatch.setattr(container, "inside_container", lambda: True)
    inside = translate(error, url, "SELECT 1").message
    container.in_container.cache_clear()
    monkeypatch.setattr(container, "inside_container", lambda: False)
    outside = translate(error, url, "SELECT 1").message
    container.in_container.cache_clear()
    assert "é o próprio container" in inside and "host.containers.internal" in inside and "DB_HOST" in inside
    assert "container" not in outside and "DB_HOST/DB_PORT" in outside
    assert "segredo" not in inside
