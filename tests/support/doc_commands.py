"""The shell commands the docs tell a technician to run, checked against the code and the files they name.

Every ```sh (or bash, shell, console) block of every Markdown page of the repository is cut into simple commands
(continuation lines joined, comments dropped, split at `&&`, `||`, `;`, `|` and parentheses). Each command is then
checked by what it runs:

- `hoteleitos-connector ...` (any path to it, or inside `docker compose exec`/`run`): its subcommand and flags parse
  with the real argument parser;
- `docker compose`, `docker-compose`, `podman-compose`: a known subcommand, services of docker-compose.yml, files
  given with `-f` that exist;
- `docker`/`podman`: the container named as docker-compose.yml names it (`--name`, `logs`, `healthcheck run`,
  `--filter name=`), `/app/state` mounted from the volume docker-compose.yml names;
- a script of the repository (`scripts/...`): it exists, is executable, and knows every `--flag` given to it;
- `curl` on the health port: a route the health server serves;
- anywhere: `HOTELEITOS_*` variables name a setting, and repository paths exist.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from connector.commands.cli import build_parser
from connector.settings.environment import variable_problems

ROOT = Path(__file__).resolve().parents[2]
SHELLS = {"sh", "bash", "shell", "console"}
SKIP_DIRS = {".git", ".venv", ".venv-bench", "node_modules", "dist", "build", ".mypy_cache", ".ruff_cache"}
FENCE = re.compile(r"^```(\w*)\s*$")
OPERATORS = {"&&", "||", ";", "|", "(", ")", "&", ";;"}
WRAPPERS = {"sudo", "time", "exec", "nohup", "env"}
COMPOSE_SUBCOMMANDS = {"up", "down", "ps", "logs", "exec", "run", "build", "pull", "stop", "start", "restart",
                       "config", "version", "images", "kill", "rm", "top", "port", "pause", "unpause"}  # fmt: skip
ENGINE_SUBCOMMANDS = {"build", "run", "ps", "logs", "exec", "inspect", "stop", "start", "rm", "rmi", "load", "save",
                      "tag", "push", "pull", "images", "image", "volume", "network", "healthcheck", "rename",
                      "update", "history", "system", "info", "version", "compose", "container", "cp", "restart",
                      "kill"}  # fmt: skip
NAMING_SUBCOMMANDS = {"logs", "exec", "inspect", "stop", "start", "rm", "rename", "update", "restart", "kill"}
PLACEHOLDER = re.compile(r"<[^<>]+>|\.\.\.|…|__x__")
VARIABLE = re.compile(r"\bHOTELEITOS_[A-Z0-9_]+\b")
HEALTH_ROUTE = re.compile(r"https?://(?:127\.0\.0\.1|localhost):\d+(/[\w/-]*)")


@dataclass(frozen=True)
class Command:
    page: str
    line: int
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {' '.join(self.words)}"


@dataclass(frozen=True)
class Compose:
    """What docker-compose.yml names: its services, the container and the state volume."""

    services: frozenset[str]
    container: str
    volume: str

    @classmethod
    def load(cls, root: Path = ROOT) -> Compose:
        spec = yaml.safe_load((root / "docker-compose.yml").read_text(encoding="utf-8"))
        (service,) = spec["services"].values()
        mounts = [m.split(":") for m in service["volumes"] if isinstance(m, str)]
        key = next(source for source, target, *_ in mounts if target == "/app/state")
        volume = (spec.get("volumes") or {}).get(key) or {}
        # Without `name`, compose prefixes the volume with the project (the folder's name): no fixed name at all.
        container = service.get("container_name", "<sem container_name: o nome muda com a ferramenta>")
        return cls(frozenset(spec["services"]), container, volume.get("name", f"<projeto>_{key}"))


def pages(root: Path = ROOT) -> list[Path]:
    """Every Markdown page of the repository (new pages are found without a change here)."""
    found = []
    for path in sorted(root.rglob("*.md")):
        if not SKIP_DIRS.intersection(path.relative_to(root).parts) and path.name != "CHANGELOG.md":
            found.append(path)
    return found


def shell_blocks(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each shell block."""
    language: str | None = None
    start = 0
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        fence = FENCE.match(line.strip())
        if fence and language is None:
            language, start, lines = fence.group(1).lower(), number + 1, []
        elif line.strip() == "```" and language is not None:
            if language in SHELLS:
                yield start, "\n".join(lines)
            language = None
        elif language is not None:
            lines.append(line)


def commands(page: Path, root: Path = ROOT) -> Iterator[Command]:
    """The simple commands of a page's shell blocks."""
    name = str(page.relative_to(root))
    for start, block in shell_blocks(page.read_text(encoding="utf-8")):
        logical: list[tuple[int, str]] = []
        for offset, line in enumerate(block.splitlines()):
            if logical and logical[-1][1].endswith("\\"):
                logical[-1] = (logical[-1][0], logical[-1][1][:-1] + " " + line.strip())
            else:
                logical.append((start + offset, line.strip()))
        for number, line in logical:
            yield from _split(name, number, line)


def _split(page: str, number: int, line: str) -> Iterator[Command]:
    # `<nome-do-integrador>` is a blank to fill, not two redirections.
    line = re.sub(r"<[^<>\s][^<>]*>", "__x__", line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split, lexer.commenters = True, "#"
    try:
        tokens = list(lexer)
    except ValueError:  # an unbalanced quote in prose-like text: nothing to check
        return
    words: list[str] = []
    for token in [*tokens, ";"]:
        if token in OPERATORS or set(token) <= set("&|;()<>"):
            if words:
                yield Command(page, number, tuple(words))
            words = []
        else:
            words.append(token)


def program(words: tuple[str, ...]) -> tuple[str, list[str]]:
    """The program a command runs (wrappers and leading VAR=value dropped) and its arguments."""
    rest = list(words)
    while rest and (rest[0] in WRAPPERS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", rest[0])):
        rest.pop(0)
    return (rest[0], rest[1:]) if rest else ("", [])


def problems(command: Command, compose: Compose, routes: set[str], root: Path = ROOT) -> list[str]:
    """What in this command disagrees with the code or the repository (empty: it agrees)."""
    found = _variables(command) + _paths(command, root)
    name, args = program(command.words)
    base = name.rsplit("/", 1)[-1]
    if base == "hoteleitos-connector":
        found += connector_problems(args)
    elif base in ("docker-compose", "podman-compose"):
        found += _compose(args, compose, root)
    elif base in ("docker", "podman") and args[:1] == ["compose"]:
        found += _compose(args[1:], compose, root)
    elif base in ("docker", "podman"):
        found += _engine(args, compose)
    elif name.startswith(("scripts/", "./scripts/")):
        found += _script(name, args, root)
    elif base == "curl":
        found += [f"rota {r} não existe no servidor de saúde" for r in _routes(args) if r not in routes]
    return [f"{command}: {problem}" for problem in found]


def connector_problems(args: list[str]) -> list[str]:
    """The connector's own command line, parsed by its real parser."""
    parser = build_parser()
    parser.exit_on_error = False
    words = [PLACEHOLDER.sub("x", word) for word in args]
    for sub in parser._subparsers._group_actions if parser._subparsers else []:
        for child in getattr(sub, "choices", {}).values():
            child.exit_on_error = False
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(words)
    except (argparse.ArgumentError, SystemExit) as error:
        if isinstance(error, SystemExit) and error.code == 0:  # --help, --version
            return []
        return [f"hoteleitos-connector não aceita {' '.join(args)!r} ({error})"]
    return []


def _compose(args: list[str], compose: Compose, root: Path) -> list[str]:
    found = []
    rest = list(args)
    while rest and rest[0].startswith("-"):
        flag = rest.pop(0)
        if flag in ("-f", "--file", "-p", "--project-name") and rest:
            value = rest.pop(0)
            if flag in ("-f", "--file") and not PLACEHOLDER.search(value) and not (root / value).is_file():
                found.append(f"arquivo {value} não existe no repositório")
    if not rest:
        return found
    sub, tail = rest[0], rest[1:]
    if sub not in COMPOSE_SUBCOMMANDS:
        return [*found, f"subcomando de compose desconhecido: {sub}"]
    operands = [word for word in tail if not word.startswith("-")]
    if sub in ("exec", "run", "logs", "ps", "stop", "start", "restart", "up") and operands:
        if operands[0] not in compose.services and not PLACEHOLDER.search(operands[0]):
            found.append(f"serviço {operands[0]} não existe em docker-compose.yml")
        if sub in ("exec", "run") and len(operands) > 1 and operands[1].endswith("hoteleitos-connector"):
            service = tail.index(operands[0])
            found += connector_problems(tail[tail.index(operands[1], service + 1) + 1 :])
    return found


def _engine(args: list[str], compose: Compose) -> list[str]:
    if not args or PLACEHOLDER.search(args[0]) or args[0].startswith("-"):
        return []
    sub, tail = args[0], args[1:]
    if sub not in ENGINE_SUBCOMMANDS:
        return [f"subcomando desconhecido: {sub}"]
    found = []
    names = [tail[i + 1] for i, word in enumerate(tail[:-1]) if word == "--name"]
    names += [word.split("=", 1)[1] for word in tail if word.startswith("name=")]
    if sub in NAMING_SUBCOMMANDS or (sub == "healthcheck" and tail[:1] == ["run"]):
        operands = [word for word in tail if not word.startswith("-") and word != "run"]
        names += operands[:1] if sub != "exec" or operands else []
    for name in names:
        if name.startswith("hoteleitos-connector") and name != compose.container:
            found.append(f"container {name}: o docker-compose.yml o chama {compose.container}")
    for i, word in enumerate(tail[:-1]):
        if word in ("-v", "--volume") and tail[i + 1].split(":")[1:2] == ["/app/state"]:
            source = tail[i + 1].split(":")[0]
            if source != compose.volume:
                found.append(f"volume {source} em /app/state: o docker-compose.yml usa {compose.volume}")
    return found


def _script(name: str, args: list[str], root: Path) -> list[str]:
    path = root / name.removeprefix("./")
    if not path.is_file():
        return [f"{name} não existe"]
    if not os.access(path, os.X_OK):
        return [f"{name} não é executável"]
    text = path.read_text(encoding="utf-8", errors="replace")
    package = root / path.name  # scripts/bench runs the bench/ package
    if package.is_dir():
        text += "".join(p.read_text(encoding="utf-8") for p in package.glob("*.py"))
    flags = {word.split("=", 1)[0] for word in args if word.startswith("--")}
    return [f"{name} não conhece {flag}" for flag in sorted(flags) if flag not in text]


def _routes(args: list[str]) -> list[str]:
    return [match.group(1) for word in args if (match := HEALTH_ROUTE.search(word))]


def _variables(command: Command) -> list[str]:
    names = set(VARIABLE.findall(" ".join(command.words)))
    return [problem for name in sorted(names) for problem in variable_problems({name: "x"})]


def _paths(command: Command, root: Path) -> list[str]:
    """Words that name a file of the repository (under one of its top-level folders, or a top-level file)."""
    tops = {p.name for p in root.iterdir() if not p.name.startswith(".")}
    found = []
    for word in command.words:
        path = word.split("=", 1)[-1].removeprefix("./")
        if PLACEHOLDER.search(path) or "$" in path or path.startswith(("/", "~", "-", "http")):
            continue
        first = path.split("/", 1)[0]
        if ("/" in path and first in tops and first != "log") or (path in tops and "." in path):
            if not (root / path).exists():
                found.append(f"{word} não existe no repositório")
        elif path.startswith("docker-compose") and path.endswith(".yml") and not (root / path).exists():
            found.append(f"{word} não existe no repositório")
    return found


def health_routes(root: Path = ROOT) -> set[str]:
    """The paths the health server answers, as its code spells them."""
    text = (root / "connector" / "ops" / "health.py").read_text(encoding="utf-8")
    return set(re.findall(r'path == "(/[\w/-]*)"', text)) | set(re.findall(r'"(/[\w-]+)":', text))


def all_problems(root: Path = ROOT) -> tuple[list[Command], list[str]]:
    compose, routes = Compose.load(root), health_routes(root)
    checked = [command for page in pages(root) for command in commands(page, root)]
    return checked, [problem for command in checked for problem in problems(command, compose, routes, root)]
