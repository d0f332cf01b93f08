"""Every shell command in README.md and the pages under docs/ (and any other Markdown page) agrees with the code:
the connector's subcommands and flags, compose services, the container and volume names, scripts and their flags,
health routes, settings variables and repository files (see tests/support/doc_commands.py)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from tests.support.doc_commands import ROOT, Compose, all_problems, commands, health_routes, pages, problems

BAD_PAGE = """# Exemplo

```sh
hoteleitos-connector preveiw --json
.venv/bin/hoteleitos-connector run --uma-vez
docker compose exec hoteleitos-connector hoteleitos-connector outbox apagar
podman-compose -f docker-compose.rede.yml up -d
podman run -d --name hoteleitos --read-only -v hoteleitos-connector_hoteleitos-state:/app/state imagem
podman healthcheck run hoteleitos-connector_hoteleitos-connector_1
./scripts/test --sem-preparar
curl -s http://127.0.0.1:8080/prontoz
HOTELEITOS_SCHEDULLE=30s hoteleitos-connector run
cat docs/nao-existe.md
```

```sh
hoteleitos-connector outbox show <id>   # um comentário com --flag-qualquer
mkdir -p log && sudo chown 10001:10001 log
```
"""


def test_every_documented_command_agrees_with_the_code() -> None:
    """No shell command of any page names a subcommand, flag, service, container, volume, script, route, variable
    or file that does not exist; and the pages do hold the commands (dozens of the connector's own)."""
    checked, found = all_problems()
    assert not found, "\n".join(found)
    assert {"README.md", "docs/podman.md", "docs/migracao.md", "docs/operacao.md"} <= {c.page for c in checked}
    assert sum("hoteleitos-connector" in " ".join(c.words) for c in checked) >= 30


def test_the_checker_catches_each_kind_of_mistake(tmp_path: Path) -> None:
    """A page with one mistake of each kind: every line but the last block's is reported."""
    for name in ("docker-compose.yml", "docker-compose.host.yml"):
        (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "connector" / "ops").mkdir(parents=True)
    (tmp_path / "connector" / "ops" / "health.py").write_text(
        (ROOT / "connector" / "ops" / "health.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "test").write_text('if [ "$1" = "--no-setup" ]; then :; fi\n', encoding="utf-8")
    (tmp_path / "scripts" / "test").chmod(0o755)
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "exemplo.md"
    page.write_text(BAD_PAGE, encoding="utf-8")
    compose, routes = Compose.load(tmp_path), health_routes(tmp_path)
    checked = list(commands(page, tmp_path))
    reported = {c.line: problems(c, compose, routes, tmp_path) for c in checked}
    bad_lines = [line for line, found in reported.items() if found]
    assert bad_lines == list(range(4, 14)), reported
    assert all(not found for line, found in reported.items() if line > 15)
    assert len(checked) == 13  # `&&` splits the last line in two
    assert [p.name for p in pages(tmp_path)] == ["exemplo.md"]


def test_one_state_volume_name_everywhere() -> None:
    """The compose volume has a fixed name (no project prefix), and Kubernetes claims the same name."""
    compose = Compose.load()
    assert compose.volume == "hoteleitos-state" and compose.container == "hoteleitos-connector"
    base = ROOT / "deploy" / "kubernetes" / "base"
    claim = yaml.safe_load((base / "pvc.yaml").read_text(encoding="utf-8"))["metadata"]["name"]
    assert claim == compose.volume
    assert all(os.access(ROOT / "scripts" / name, os.X_OK) for name in ("test", "test-setup", "build-image"))
