"""What ships for monitoring: the Prometheus alerts (checked and unit-tested by `promtool`, Debian's `prometheus`
package), the Grafana dashboard (a JSON schema of what an import needs, every query parsed by `promtool`) and the
Zabbix items of docs/operacao.md; every metric they name is one the connector exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from prometheus_client import REGISTRY

from connector.ops import metrics
from tests.support.cli import ROOT
from tests.support.services import unavailable

ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
ALERT_TESTS = ROOT / "deploy" / "prometheus" / "alerts.test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboard.json"
OPERATIONS = ROOT / "docs" / "operacao.md"
INSTALL = "apt-get install prometheus (ou sudo ./scripts/test, que instala a lista de scripts/test-packages)"
GRAFANA_VARIABLES = {"__rate_interval": "5m", "__interval": "1m", "__range": "1d"}

_DATASOURCE = {
    "type": "object",
    "required": ["type", "uid"],
    "properties": {"type": {"const": "prometheus"}, "uid": {"const": "${datasource}"}},
}
_PANEL = {
    "type": "object",
    "required": ["id", "type", "title", "gridPos", "datasource", "targets", "fieldConfig"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "type": {"enum": ["stat", "timeseries", "gauge", "bargauge", "table", "text"]},
        "title": {"type": "string", "minLength": 1},
        "gridPos": {
            "type": "object",
            "required": ["x", "y", "w", "h"],
            "additionalProperties": False,
            "properties": {
                "x": {"type": "integer", "minimum": 0, "maximum": 23},
                "y": {"type": "integer", "minimum": 0},
                "w": {"type": "integer", "minimum": 1, "maximum": 24},
                "h": {"type": "integer", "minimum": 1},
            },
        },
        "datasource": _DATASOURCE,
        "targets": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["refId", "expr", "datasource"],
                "properties": {
                    "refId": {"type": "string", "pattern": "^[A-Z]$"},
                    "expr": {"type": "string", "minLength": 1},
                    "datasource": _DATASOURCE,
                    "legendFormat": {"type": "string"},
                },
            },
        },
        "fieldConfig": {"type": "object", "required": ["defaults", "overrides"]},
    },
}
# What Grafana needs to import a dashboard (model of schemaVersion 36 and later), and what this one promises.
DASHBOARD_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["uid", "title", "schemaVersion", "panels", "templating", "time", "refresh"],
    "properties": {
        "id": {"type": "null"},
        "uid": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"},
        "title": {"type": "string", "minLength": 1},
        "schemaVersion": {"type": "integer", "minimum": 36},
        "time": {"type": "object", "required": ["from", "to"]},
        "refresh": {"type": "string", "pattern": "^[0-9]+[smh]$"},
        "panels": {"type": "array", "minItems": 1, "items": _PANEL},
        "templating": {
            "type": "object",
            "required": ["list"],
            "properties": {
                "list": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "type"],
                        "properties": {"type": {"enum": ["datasource", "query", "custom", "constant", "interval"]}},
                    },
                }
            },
        },
    },
}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        unavailable(f"promtool ausente: {INSTALL}")
    assert found is not None
    return found


def exported() -> set[str]:
    """Every sample name the connector can export (hoteleitos_*_total, _bucket, _info...)."""
    metrics.start_at_zero()
    names = set()
    for family in REGISTRY.collect():
        names |= {sample.name for sample in family.samples}
        if family.type == "info":
            names.add(f"{family.name}_info")
        if family.type == "histogram":  # the docs name a histogram by its family
            names.add(family.name)
    return {name for name in names if name.startswith("hoteleitos_")}


def named(text: str) -> set[str]:
    return set(re.findall(r"\bhoteleitos_[a-z_]+\b", text))


def test_alert_rules_pass_promtool_check_and_their_unit_tests() -> None:
    """`promtool check rules` accepts alerts.yml and `promtool test rules` passes every case of alerts.test.yml."""
    binary = promtool()
    checked = subprocess.run([binary, "check", "rules", str(ALERTS)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [binary, "test", "rules", ALERT_TESTS.name], cwd=ALERT_TESTS.parent, capture_output=True, text=True, check=False
    )
    assert tested.returncode == 0 and "SUCCESS" in tested.stdout, tested.stdout + tested.stderr


def test_every_alert_is_tested_firing_and_quiet() -> None:
    """Each alert has a case where it fires and one where it stays quiet; each speaks Portuguese with a fix."""
    rules = [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]
    cases = [case for test in yaml.safe_load(ALERT_TESTS.read_text())["tests"] for case in test["alert_rule_test"]]
    names = {rule["alert"] for rule in rules}
    assert names == {case["alertname"] for case in cases if case["exp_alerts"]}
    assert names == {case["alertname"] for case in cases if not case["exp_alerts"]}
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"] and len(rule["annotations"]["description"]) > 60


def test_dashboard_fits_the_schema_and_its_grid() -> None:
    """The dashboard validates against the schema of a Grafana import; panels have unique ids and do not overlap
    on the 24-column grid; every variable a query uses is defined."""
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    jsonschema.validate(board, DASHBOARD_SCHEMA)
    panels = board["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        area = {
            (x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & area, f"{panel['title']} sobrepõe outro painel"
        cells |= area
    defined = {variable["name"] for variable in board["templating"]["list"]} | set(GRAFANA_VARIABLES)
    for panel in panels:
        for target in panel["targets"]:
            assert set(re.findall(r"\$\{?(\w+)", target["expr"])) <= defined, target["expr"]


def test_dashboard_queries_parse(tmp_path: Path) -> None:
    """Every query of the dashboard, its variables filled as Grafana would, is valid PromQL for promtool."""
    binary = promtool()
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    rules = []
    for panel in board["panels"]:
        for target in panel["targets"]:
            expr = re.sub(r"\$(\w+)", lambda m: GRAFANA_VARIABLES.get(m.group(1), ".*"), target["expr"])
            rules.append({"record": f"painel:{panel['id']}:{target['refId']}", "expr": expr})
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "painel", "rules": rules}]}), encoding="utf-8")
    checked = subprocess.run([binary, "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("path", [ALERTS, DASHBOARD, OPERATIONS], ids=lambda p: p.name)
def test_monitoring_names_only_metrics_the_connector_exports(path: Path) -> None:
    """Alerts, dashboard and the docs' metric table and Zabbix items name only metrics that exist."""
    used = named(path.read_text(encoding="utf-8")) - {"hoteleitos_connector"}
    assert used, path
    assert used <= exported(), used - exported()


def test_zabbix_items_use_the_exact_metric_names_and_labels() -> None:
    """The three Zabbix patterns name the delivery timestamp and the pending and held outbox gauges exactly."""
    text = OPERATIONS.read_text(encoding="utf-8")
    zabbix = text[text.index("**Zabbix**") :]
    patterns = re.findall(r"\| `(hoteleitos_[a-z_]+(?:\{[^}]*\})?)`, saída `value`", zabbix)
    assert patterns == [
        "hoteleitos_last_success_timestamp_seconds",
        'hoteleitos_outbox_snapshots{status="pending"}',
        'hoteleitos_outbox_snapshots{status="held"}',
    ]
    statuses = {labels[0] for labels in dict(metrics.KNOWN_LABELS)[metrics.OUTBOX]}
    assert {"pending", "held"} <= statuses
