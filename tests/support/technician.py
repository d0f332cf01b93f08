"""A hospital server's folder as docs/podman.md sets it up: the shipped compose files, the incumbent's `.env`, the
`log` folder; commands run as the page writes them, with one podman-compose (Debian's 1.0.3 or the newer one).

Only the names are made unique (container, volume, health port, image), so that several checkouts can run this at
once on one machine; everything else is the shipped files, unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.test_container import podman
from tests.support.cli import ROOT

DEBIAN_COMPOSE = Path("/usr/bin/podman-compose")


@dataclass
class Site:
    folder: Path
    compose: str  # the podman-compose executable
    image: str  # repository, without the tag
    port: int
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def container(self) -> str:
        return f"hoteleitos-connector-{self.run}"

    @property
    def volume(self) -> str:
        return f"hoteleitos-state-{self.run}"

    def lay_out(self, env_lines: list[str]) -> None:
        """The shipped compose files with this site's names, `.env`, and `log` writable by uid 10001."""
        for name in ("docker-compose.yml", "docker-compose.host.yml"):
            text = (ROOT / name).read_text(encoding="utf-8")
            text = text.replace("container_name: hoteleitos-connector", f"container_name: {self.container}")
            text = text.replace("name: hoteleitos-state", f"name: {self.volume}")
            text = text.replace("127.0.0.1:8080:8080", f"127.0.0.1:{self.port}:{self.port}")
            text = text.replace("image: hoteleitos-connector:latest", f"image: {self.image}:latest")
            (self.folder / name).write_text(text, encoding="utf-8")
        (self.folder / ".env").write_text("\n".join([*env_lines, f"HOTELEITOS_HEALTH_PORT={self.port}", ""]))
        (self.folder / "log").mkdir(exist_ok=True)
        (self.folder / "log").chmod(0o777)
        conf = self.folder / "containers.conf"  # the sandbox's settings, and runc as the runtime
        conf.write_text(Path("/etc/containers/hoteleitos-ci.conf").read_text() + '\n[engine]\nruntime = "runc"\n')

    def _env(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.folder / "containers.conf")}

    def podman_compose(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.compose, *args], cwd=self.folder, capture_output=True, text=True, timeout=300,
                              check=False, env=self._env())  # fmt: skip

    def podman(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["podman", *args], cwd=self.folder, capture_output=True, text=True, timeout=300,
                              check=False, env=self._env())  # fmt: skip

    def running(self) -> dict[str, str] | None:
        """`podman ps` of the site's container: its id and image id, or None when it does not run."""
        listed = self.podman("ps", "--filter", f"name=^{self.container}$", "--format", "json")
        found = json.loads(listed.stdout or "[]")
        return {"id": found[0]["Id"], "image": found[0]["ImageID"]} if found else None

    def events(self) -> list[dict[str, object]]:
        """`podman logs <container> | grep '^{'`, as the docs filter it."""
        logs = self.podman("logs", self.container).stdout
        return [json.loads(line) for line in logs.splitlines() if line.startswith("{")]

    def new_version(self) -> str:
        """A new image (a new id) tagged `latest`, as `podman load` of the next version's file leaves it."""
        (self.folder / "Containerfile").write_text(f"FROM {self.image}:latest\nLABEL hoteleitos.test={self.run}\n")
        podman("build", "-t", f"{self.image}:latest", "-f", str(self.folder / "Containerfile"), str(self.folder))
        return str(json.loads(podman("image", "inspect", f"{self.image}:latest").stdout)[0]["Id"])

    def clean(self) -> None:
        self.podman("rm", "-f", "-t", "5", self.container)
        self.podman_compose("down", "-v", "-t", "5")
        self.podman("volume", "rm", "-f", self.volume)
