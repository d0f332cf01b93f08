"""Whether the connector runs inside a container, and what a database on "this machine" means there.

Inside a container, 127.0.0.1 and localhost are the container itself: a database on the server that runs the
container is reached through the host's name for it (`host.containers.internal` under podman,
`host.docker.internal` with `host-gateway` under Docker) or by sharing the host's network (`network_mode: host`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})  # noqa: S104 - names compared, nothing bound
_RUNTIMES = ("docker", "containerd", "kubepods", "libpod", "podman", "lxc", "crio")


def inside_container(root: Path = Path("/"), environ: Mapping[str, str] = os.environ) -> bool:
    """Docker leaves /.dockerenv, podman /run/.containerenv and `container=podman`; Kubernetes and others show in
    the first process's control groups."""
    if (root / ".dockerenv").exists() or (root / "run/.containerenv").exists() or environ.get("container"):
        return True
    try:
        groups = (root / "proc/1/cgroup").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(runtime in groups for runtime in _RUNTIMES)


@functools.cache
def in_container() -> bool:
    """`inside_container()` of this process, asked once."""
    return inside_container()


def local_host_hint(host: str | None, *, contained: bool | None = None) -> str:
    """For a database on 127.0.0.1/localhost that cannot be reached from inside a container: why, and what to
    use instead ('' when it does not apply)."""
    if host is None or host.strip("[]").lower() not in LOCAL_HOSTS:
        return ""
    if not (in_container() if contained is None else contained):
        return ""
    return (
        f" O conector roda num container, e dentro dele {host} é o próprio container, não este servidor: para um "
        "banco nesta mesma máquina use DB_HOST=host.containers.internal (podman) ou DB_HOST=host.docker.internal "
        "com extra_hosts host-gateway (Docker), com o banco escutando nesse endereço, ou a rede do servidor "
        '(docker-compose.host.yml); veja docs/podman.md, seção "Banco na mesma máquina".'
    )
