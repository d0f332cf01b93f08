"""Installing where the server reaches no registry: `scripts/build-image` builds the image behind a proxy (build
arguments passed through, no secret kept in the image) and writes one file; the file is loaded back on a machine
without the image and the loaded image delivers with a read-only root filesystem, as Kubernetes runs it."""

from __future__ import annotations

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
from tests import mv_replica
from tests.conftest import ROOT
from tests.http_proxy import ForwardProxy
from tests.integration.test_container import BASE, need_podman, podman
from tests.integration.test_run_once import TOKEN
from tests.processes import free_port
from tests.receivers import ScriptedReceiver, wait_until
from tests.services import unavailable

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
            logs = podman("logs", name, check=False).stderr
            assert delivered, logs[-3000:]
            assert receiver.accepted[0].json()["pacientes"] == mv_replica.EXPECTED
            assert wait_until(lambda: _status(port, "/readyz") == 200, timeout=30)
            podman("stop", "-t", "20", name)
            assert json.loads(podman("inspect", name).stdout)[0]["State"]["ExitCode"] == 0
            logs = podman("logs", name).stderr
        finally:
            podman("rm", "-f", name, check=False)
    events = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert not [e for e in events if e["level"] in ("error", "critical")], logs[-3000:]
    assert not [e for e in events if e["event"] == "log_dir_unwritable"]
    assert (state / "outbox.sqlite3").is_file() and (log / "hoteleitos-connector.log").is_file()


def test_compose_file_runs_under_podman_compose(loaded: str, pg_url: URL, tmp_path: Path) -> None:
    """docker-compose.yml as shipped, with the incumbent's .env (comments included): podman-compose starts it
    from the loaded image, the census arrives, and `down -v` leaves nothing behind."""
    compose = shutil.which("podman-compose", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    if compose is None:
        unavailable("podman-compose ausente: ./scripts/test instala (extra test)")
    mv_replica.build(pg_url)
    (tmp_path / "docker-compose.yml").write_text((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    (tmp_path / "log").mkdir()
    (tmp_path / "log").chmod(0o777)
    port = free_port()
    override = {"services": {"hoteleitos-connector": {"image": loaded, "network_mode": "host"}}}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(override), encoding="utf-8")
    project = f"hoteleitos-compose-{RUN}"
    conf = tmp_path / "containers.conf"  # the sandbox's settings, and runc as the runtime
    conf.write_text(Path("/etc/containers/hoteleitos-ci.conf").read_text() + '\n[engine]\nruntime = "runc"\n')

    def podman_compose(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([compose, "-p", project, "-f", "docker-compose.yml", "-f", "test.yml", *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
                              env={**os.environ, "CONTAINERS_CONF": str(conf)})  # fmt: skip

    with ScriptedReceiver() as receiver:
        (tmp_path / ".env").write_text(
            f"API_URL={receiver.url}   # HOTELEITOS\n"
            f"API_TOKEN={TOKEN}\n"
            "DB_DIALECT=postgres  # Wareline/MV em PostgreSQL\n"
            f"DB_HOST={pg_url.host}\nDB_PORT={pg_url.port}  # porta padrão\n"
            f"DB_NAME={pg_url.database}\nDB_USER={pg_url.username}\n"
            "ENABLED_INTEGRATIONS=mv_mapa # MV\n"
            "CRON_TIME=*/2 * * * * *\n"
            f"HOTELEITOS_HEALTH_PORT={port}\n",
            encoding="utf-8",
        )
        try:
            started = podman_compose("up", "-d")
            assert started.returncode == 0, started.stdout[-2000:] + started.stderr[-2000:]
            delivered = wait_until(lambda: len(receiver.accepted) >= 1, timeout=120)
            logs = podman_compose("logs")
            assert delivered, logs.stdout[-3000:] + logs.stderr[-3000:]
            assert wait_until(lambda: _status(port, "/healthz") == 200, timeout=30)
        finally:
            stopped = podman_compose("down", "-v", "-t", "20")
    assert stopped.returncode == 0, stopped.stderr[-2000:]
    assert receiver.accepted[0].json()["pacientes"] == mv_replica.EXPECTED
    assert podman("volume", "exists", f"{project}_hoteleitos-state", check=False).returncode != 0


def test_compose_publishes_health_on_loopback_only() -> None:
    """The health port is published on 127.0.0.1 unless the hospital chooses otherwise."""
    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    assert service["hoteleitos-connector"]["ports"] == ["127.0.0.1:8080:8080"]


def _status(port: int, path: str) -> int | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=3).status_code
    except httpx.TransportError:
        return None
