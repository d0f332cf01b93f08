"""The podman, podman-compose and docker commands of the docs use flags these tools have: each command's `--help`,
as installed here (Debian's podman and podman-compose; the docker client where it is installed)."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.doc_commands import PLACEHOLDER, all_problems, program
from tests.support.services import unavailable
from tests.support.technician import DEBIAN_COMPOSE

FLAG = re.compile(r"^(--?[A-Za-z][\w-]*)")


@functools.cache
def helped(*words: str) -> str | None:
    """The `--help` text of this (sub)command, or None when it has no such subcommand."""
    env = {**os.environ, "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", "/etc/containers/hoteleitos-ci.conf")}
    done = subprocess.run([*words, "--help"], capture_output=True, text=True, timeout=60, check=False, env=env)
    text = done.stdout + done.stderr
    return text if done.returncode == 0 and "unrecognized" not in text and "unknown command" not in text else None


VALUED = {"-f", "--file", "-p", "--project-name", "--name", "-v", "--volume", "-e", "--env", "-t", "--time", "-i",
          "--input", "--filter", "--format", "--env-file", "--tmpfs", "--publish", "-o", "--output", "--entrypoint",
          "--network", "--runtime", "--build-arg"}  # fmt: skip


def flag_problems(tool: str, args: list[str]) -> list[str]:
    """Flags given to `tool` that neither its (sub)command's help nor its own lists."""
    operands = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] not in VALUED)]
    sub: list[str] = []
    for word in operands[:2]:  # `healthcheck run`, `image inspect`, `volume exists`
        if helped(tool, *sub, word) is None:
            break
        sub.append(word)
    text = (helped(tool, *sub) or "") + (helped(tool) or "")
    found = []
    for word in args:
        match = FLAG.match(word)
        if match is None or PLACEHOLDER.search(word):
            continue
        flag = match.group(1)
        if not re.search(rf"(^|[\s,\[]){re.escape(flag)}([\s,=\]]|$)", text, re.MULTILINE):
            found.append(f"{tool} {' '.join(sub)}: opção {flag} não existe")
    return found


def tools() -> dict[str, str]:
    """The executables the docs' commands are checked against: podman, Debian's podman-compose, docker."""
    found = {name: path for name in ("podman", "docker") if (path := shutil.which(name))}
    if DEBIAN_COMPOSE.is_file():
        found["podman-compose"] = str(DEBIAN_COMPOSE)
    elif newer := shutil.which("podman-compose", path=str(Path(sys.executable).parent)):
        found["podman-compose"] = newer
    return found


@pytest.mark.parametrize("tool", ["podman", "podman-compose", "docker"])
def test_documented_flags_exist(tool: str) -> None:
    """Every flag the docs give to `tool` is one its installed version lists (Debian 12's podman and podman-compose,
    the oldest supported; the docker client, without compose, where one is installed)."""
    path = tools().get(tool)
    if path is None and tool == "docker":  # like the Docker tests: never required (CI here has no Docker)
        pytest.skip("cliente docker ausente: sudo apt-get install docker.io")
    if path is None:
        unavailable(f"{tool} ausente: sudo ./scripts/test (instala podman e podman-compose)")
    checked, _ = all_problems()
    mine = [c for c in checked if program(c.words)[0].rsplit("/", 1)[-1] == tool]
    mine = [c for c in mine if program(c.words)[1][:1] != ["compose"]]  # the compose plugin: checked by name only
    found = [f"{c}: {p}" for c in mine for p in flag_problems(path, program(c.words)[1])]
    assert not found, "\n".join(found)
    assert mine


def test_the_flag_check_can_fail() -> None:
    """An invented flag and a misspelled one are reported; real ones are not."""
    path = tools().get("podman")
    if path is None:
        unavailable("podman ausente: sudo ./scripts/test (instala podman)")
    assert flag_problems(path, ["run", "-d", "--read-only", "--tmpfs", "/tmp", "imagem"]) == []
    assert len(flag_problems(path, ["run", "--read-onyl", "--sem-isso", "imagem"])) == 2
    assert flag_problems(path, ["healthcheck", "run", "hoteleitos-connector"]) == []
