"""Installing where the server reaches no registry: `scripts/build-image` builds the image behind a proxy (build
arguments passed through, no secret kept in the image) and writes one file; the file is loaded back on a machine
without the image and the loaded image delivers with a read-only root filesystem, as Kubernetes runs it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy.engine import URL

from connector import __version__
from tests.integration.test_container import BASE, need_podman, podman
from tests.integration.test_run_once import TOKEN
from tests.support import mv_replica
from tests.support.cli import ROOT
from tests.support.http_proxy import ForwardProxy
from tests.support.processes import free_port
from tests.support.receivers import ScriptedReceiver, status, wait_until
from tests.support.services import unavailable
from tests.support.tcp_proxy import TcpProxy
from tests.support.technician import DEBIAN_COMPOSE, Site

RUN = uuid.uuid4().hex[:8]
REPOSITORY = f"localhost/hoteleitos-connector-file-{RUN}"  # other checkouts build at the same time
PROXY_SECRET = f"proxy-senha-{RUN}"
PIP_SECRET = f"pip-senha-{RUN}"


@dataclass
class Built:
    archive: Path
    seen: list[tuple[str, str]]
    output: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The image built from scratch (no cache) through a local forwarding proxy, written to a file."""
    need_podman()
    output = tmp_path_factory.mktemp("dist")
    with ForwardProxy() as proxy:
        proxy_url = proxy.url.replace("http://", f"http://hospital:{PROXY_SECRET}@")
        done = subprocess.run(
            [str(ROOT / "scripts" / "build-image")],
            env={
                **os.environ,
                "CONTAINERS_CONF": "/etc/containers/hoteleitos-ci.conf",
                "ENGINE": "podman --runtime runc",
                "REPOSITORY": REPOSITORY,
                "OUTPUT_DIR": str(output),
                "BASE_IMAGE": BASE,
                "BUILD_FLAGS": "--network host --layers=false",  # no cache, and no intermediate images left
                "HTTP_PROXY": proxy_url,
                "HTTPS_PROXY": proxy_url,
                "PIP_TRUSTED_HOST": PIP_SECRET,  # a declared build argument, as PIP_INDEX_URL is
            },
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
        seen = list(proxy.seen)
    try:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        yield Built(output / f"hoteleitos-connector-{__version__}.tar", seen, done.stdout)
    finally:
        podman("rmi", "-f", f"{REPOSITORY}:{__version__}", f"{REPOSITORY}:latest", check=False)


def test_build_goes_through_the_proxy_and_keeps_no_secret(built: Built) -> None:
    """pip and apt reached the Internet only through the proxy; neither its password nor a pip setting is in
    the image's history, its configuration or any file of the archive."""
    assert built.archive.is_file() and built.archive.name in built.output
    assert any(method == "CONNECT" and target.startswith("pypi.org") for method, target in built.seen)
    assert any(method == "GET" and "/debian/" in target for method, target in built.seen)  # apt, for FreeTDS
    for tag in (__version__, "latest"):
        history = podman("history", "--no-trunc", f"{REPOSITORY}:{tag}").stdout
        config = podman("image", "inspect", f"{REPOSITORY}:{tag}").stdout
        assert PROXY_SECRET not in history + config and PIP_SECRET not in history + config
    needles = (PROXY_SECRET.encode(), PIP_SECRET.encode())
    with built.archive.open("rb") as archive:
        previous = b""
        while chunk := archive.read(1 << 22):
            window = previous + chunk
            assert not any(needle in window for needle in needles)
            previous = chunk[-64:]


@pytest.fixture(scope="module")
def loaded(built: Built) -> str:
    """The image removed from the machine, then loaded back from the file alone."""
    podman("rmi", "-f", f"{REPOSITORY}:{__version__}", f"{REPOSITORY}:latest")
    assert podman("image", "exists", f"{REPOSITORY}:{__version__}", check=False).returncode != 0
    with tarfile.open(built.archive) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert set(manifest[0]["RepoTags"]) == {f"{REPOSITORY}:{__version__}", f"{REPOSITORY}:latest"}
    podman("load", "-i", str(built.archive))
    return f"{REPOSITORY}:{__version__}"


def test_loaded_file_delivers_with_a_read_only_root(loaded: str, pg_url: URL, tmp_path: Path) -> None:
    """From the loaded file: health check kept, and a container run as deploy/kubernetes runs it (read-only root,
    a tmpfs for /tmp, volumes for the outbox and the logs, token and URL as read-only files) delivers the census,
    answers /readyz 200 and stops cleanly."""
    inspected = json.loads(podman("image", "inspect", loaded).stdout)[0]
    assert "healthz" in " ".join(inspected["Healthcheck"]["Test"])
    mv_replica.build(pg_url)
    state, log = tmp_path / "state", tmp_path / "log"  # a volume each, as Kubernetes' PVC and emptyDir
    for folder in (state, log):
        folder.mkdir()
        folder.chmod(0o777)  # the image's uid 10001 writes here
    port = free_port()
    name = f"hoteleitos-ro-{RUN}"
    with ScriptedReceiver() as receiver:
        secrets = tmp_path / "secrets"  # as Kubernetes mounts the Secret: read-only files
        secrets.mkdir()
        (secrets / "api-token").write_text(TOKEN + "\n", encoding="utf-8")
        (secrets / "source-url").write_text(pg_url.render_as_string(hide_password=False), encoding="utf-8")
        for item in (secrets, *secrets.iterdir()):
            item.chmod(0o755 if item.is_dir() else 0o644)
        env = {
            "HOTELEITOS_API_URL": receiver.url,
            "HOTELEITOS_API_TOKEN_FILE": "/run/secrets/hoteleitos/api-token",
            "HOTELEITOS_SOURCE_VENDOR": "mv",
            "HOTELEITOS_SOURCE_URL_FILE": "/run/secrets/hoteleitos/source-url",
            "HOTELEITOS_SCHEDULE": "2s",
            "HOTELEITOS_HEALTH_PORT": str(port),
        }
        flags = [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
        podman("run", "-d", "--name", name, "--network", "host", "--read-only", "--read-only-tmpfs=false",
               "--tmpfs", "/tmp", "-v", f"{state}:/app/state", "-v", f"{log}:/app/log",
               "-v", f"{secrets}:/run/secrets/hoteleitos:ro", *flags, loaded)  # fmt: skip
        try:
            delivered = wait_until(lambda: len(receiver.accepted) >= 1, timeout=120)
            logs = podman("logs", name, check=False).stdout
            assert delivered, logs[-3000:]
            assert receiver.accepted[0].json()["pacientes"] == mv_replica.EXPECTED
            assert wait_until(lambda: _status(port, "/readyz") == 200, timeout=30)
            podman("stop", "-t", "20", name)
            assert json.loads(podman("inspect", name).stdout)[0]["State"]["ExitCode"] == 0
            logs = podman("logs", name).stdout
        finally:
            podman("rm", "-f", name, check=False)
    events = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert not [e for e in events if e["level"] in ("error", "critical")], logs[-3000:]
    assert not [e for e in events if e["event"] == "log_dir_unwritable"]
    assert (state / "outbox.sqlite3").is_file() and (log / "hoteleitos-connector.log").is_file()


def composes() -> list[str]:
    """The podman-compose executables to try: Debian's own (1.0.3 on Debian 12) and the newer one of the venv."""
    found = [str(DEBIAN_COMPOSE)] if DEBIAN_COMPOSE.is_file() else []
    newer = shutil.which("podman-compose", path=str(Path(sys.executable).parent))
    return [*found, *([newer] if newer else [])] or ["podman-compose"]


@pytest.mark.parametrize("compose", composes())
def test_the_technicians_path_with_podman_compose(compose: str, loaded: str, pg_url: URL, tmp_path: Path) -> None:
    """docs/podman.md as written, from the loaded file: the shipped compose file and the incumbent's .env (comments
    included) with the database on this same server (host.containers.internal with Debian's 1.0.3, the host's
    network with docker-compose.host.yml with the newer one); the census arrives and `podman logs | grep '^{'` shows
    it; during an outage a census is queued; a new image with `up -d --force-recreate` replaces the container and
    sends the queue; after `down` (no -v), the read-only `podman run` on the same volume delivers what was queued."""
    if shutil.which(compose) is None:
        unavailable("podman-compose ausente: sudo ./scripts/test (instala o do Debian; o mais novo vem em .venv)")
    debian = compose == str(DEBIAN_COMPOSE)
    mv_replica.build(pg_url)
    site = Site(tmp_path, compose, loaded.rsplit(":", 1)[0], free_port())
    with ScriptedReceiver() as receiver, contextlib.ExitStack() as stack:
        api, db = f"127.0.0.1:{receiver.url.rsplit(':', 1)[1]}", f"{pg_url.host}:{pg_url.port}"
        files = (
            ["-f", "docker-compose.yml"] if debian else ["-f", "docker-compose.yml", "-f", "docker-compose.host.yml"]
        )
        if debian:  # the bridge network: the server's services reached by its name, listening beyond 127.0.0.1
            api_proxy = stack.enter_context(
                contextlib.closing(TcpProxy(("127.0.0.1", int(api.split(":")[1])), "0.0.0.0"))
            )
            db_proxy = stack.enter_context(contextlib.closing(TcpProxy((pg_url.host, pg_url.port), "0.0.0.0")))
            api, db = f"host.containers.internal:{api_proxy.port}", f"host.containers.internal:{db_proxy.port}"
        site.lay_out([f"API_URL=http://{api}   # HOTELEITOS", f"API_TOKEN={TOKEN}",
                      "DB_DIALECT=postgres  # Wareline/MV em PostgreSQL", f"DB_HOST={db.split(':')[0]}",
                      f"DB_PORT={db.split(':')[1]}  # porta padrão", f"DB_NAME={pg_url.database}",
                      f"DB_USER={pg_url.username}", "ENABLED_INTEGRATIONS=mv_mapa # MV",
                      "CRON_TIME=*/2 * * * * *"])  # fmt: skip
        try:
            up = site.podman_compose(*files, "up", "-d")
            assert up.returncode == 0 and site.running(), up.stdout[-2000:] + up.stderr[-2000:]
            assert wait_until(lambda: len(receiver.accepted) >= 1, timeout=120), site.podman("logs", site.container)
            assert {"census_extracted", "snapshot_delivered"} <= {e["event"] for e in site.events()}
            assert receiver.accepted[0].json()["pacientes"] == mv_replica.EXPECTED
            receiver.add(*[status(503)] * 10_000)  # the API goes down: censuses queue up
            assert wait_until(lambda: any(e["event"] == "push_retry" for e in site.events()), timeout=60)
            before, image = site.running(), site.new_version()
            recreated = site.podman_compose(*files, "up", "-d", "--force-recreate")
            after = site.running()
            assert recreated.returncode == 0 and after is not None, recreated.stderr[-2000:]
            assert after["id"] != before["id"] and after["image"] == image  # type: ignore[index]
            site.podman_compose(*files, "down", "-t", "20")  # no -v: the queue stays in the volume
            assert site.podman("volume", "exists", site.volume).returncode == 0
            queued = len(receiver.received)
            receiver.script.clear()  # the API is back
            site.podman("run", "-d", "--name", site.container, "--read-only", "--tmpfs", "/tmp",
                        "-v", f"{site.volume}:/app/state", "-v", "./log:/app/log", "--env-file", ".env",
                        *(["-p", f"127.0.0.1:{site.port}:{site.port}"] if debian else
                          ["--network", "host", "-e", "HOTELEITOS_HEALTH_HOST=127.0.0.1"]),
                        f"{site.image}:latest")  # fmt: skip
            assert wait_until(lambda: len(receiver.received) > queued + 1 and receiver.answers[-1] == 200, timeout=120)
            assert wait_until(lambda: _status(site.port, "/readyz") == 200, timeout=60)
        finally:
            site.clean()
    keys = [r.headers["idempotency-key"] for r in receiver.accepted]
    assert len(keys) == len(set(keys))  # nothing sent twice
    captured = [r.json()["captured_at"] for r in receiver.accepted]
    assert captured == sorted(captured)  # the queue went out in order


def test_compose_publishes_health_on_loopback_only() -> None:
    """The health port is published on 127.0.0.1 unless the hospital chooses otherwise."""
    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    assert service["hoteleitos-connector"]["ports"] == ["127.0.0.1:8080:8080"]


def _status(port: int, path: str) -> int | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=3).status_code
    except httpx.TransportError:
        return None
