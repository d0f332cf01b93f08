"""The status page's pieces without a server: the 24-hour history on disk, the problems in plain words, the board's
verdict and the rendered HTML (counts only, nothing to click, nothing fetched)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from connector.census.changes import Changes
from connector.commands.configuration import settings_from_values
from connector.delivery.courier import Delivered, Failure, Round
from connector.delivery.guard import Decision
from connector.ops import metrics
from connector.ops.cycle_report import CycleReport, ReadFailure
from connector.ops.health import Readiness
from connector.ops.history import BUCKET, FILE, SPAN, CycleFacts, Delivery, History
from connector.ops.status import StatusBoard, describe_source, origin_of
from connector.ops.status_problems import problems_of
from connector.settings import Settings

NOW = 1_795_000_000.0  # 2026-11-18, a multiple of nothing in particular
PASSWORD = "s3nh@-do-banco"


def settings(tmp_path: Path, **values: object) -> Settings:
    base: dict[str, object] = {
        "api": {"url": "https://api.example.test", "token": "tok-secreto"},
        "source": {
            "vendor": "mv",
            "url": f"oracle+oracledb://integra:{PASSWORD.replace('@', '%40')}@db.hosp:1521/?service_name=PROD",
        },
        "state_dir": str(tmp_path / "state"),
    }
    return settings_from_values({**base, **values})


def report(**values: object) -> CycleReport:
    base = CycleReport(cycle_id="t", patients=412, rows=415, extract_seconds=0.04, depth={"pending": 0, "held": 0})
    for name, value in values.items():
        setattr(base, name, value)
    return base


def delivered(at: float, count: int = 412, latency: float = 0.2) -> Round:
    return Round(delivered=[Delivered("s", count, 200, 1, latency, at)])


def test_history_survives_a_restart_and_keeps_only_24_hours(tmp_path: Path) -> None:
    """Twenty-six hours of cycles every 150 s leave 288 buckets on disk; a new History reads the same back."""
    history = History.load(tmp_path)
    times = [NOW + i * 150 for i in range(26 * 24)]
    for i, at in enumerate(times):
        history.record(CycleFacts(at, ok=i % 10 != 0, patients=400 + i % 7, admissions=1,
                                  deliveries=(Delivery(at, 400, 0.1 + i % 3 / 10),)))  # fmt: skip
    end = times[-1]
    assert len(json.loads((tmp_path / FILE).read_text())["buckets"]) == SPAN // BUCKET
    again = History.load(tmp_path)
    assert again.series(end) == history.series(end)
    assert again.last_delivery == Delivery(end, 400, pytest.approx(0.1 + (len(times) - 1) % 3 / 10))
    first = end // BUCKET * BUCKET - SPAN + BUCKET
    kept = [i for i, at in enumerate(times) if at >= first]
    hours = again.hourly(end)
    assert len(hours) == 24 and all(h.cycles == 24 for h in hours)
    assert sum(h.admissions for h in hours) == len(kept)
    assert sum(h.failed for h in hours) == sum(1 for i in kept if i % 10 == 0)
    assert again.series(end)[-1].patients == 400 + (len(times) - 1) % 7


def test_a_damaged_history_is_set_aside_and_starts_over(tmp_path: Path) -> None:
    """A file that is not the history's JSON is moved aside, the page says so, and the next cycle writes anew."""
    (tmp_path / FILE).write_text('{"format": 1, "buckets": [{"start": 7}]', encoding="utf-8")
    history = History.load(tmp_path)
    assert history.problem is not None and "danificado" in history.problem
    assert list(tmp_path.glob(f"{FILE}.danificado-*"))
    history.record(CycleFacts(NOW, ok=True, patients=3))
    assert history.problem is None
    assert History.load(tmp_path).series(NOW)[-1].patients == 3


def test_a_read_only_state_folder_costs_the_history_only(tmp_path: Path) -> None:
    """When the file cannot be written, recording goes on in memory and the page is told why."""
    history = History.load(tmp_path / "missing")
    history.record(CycleFacts(NOW, ok=True, patients=5))
    assert history.problem is not None and "não pôde ser gravado" in history.problem
    assert history.series(NOW)[-1].patients == 5


@pytest.mark.parametrize(
    ("cycle", "expected"),
    [
        (report(read_error=ReadFailure("unreachable", "sem rede até db.hosp (usuário integra)"), patients=None),
         "não consegue se conectar ao banco"),
        (report(read_error=ReadFailure("auth", "recusou integra"), patients=None), "recusou o usuário ou a senha"),
        (report(read_error=ReadFailure("novo_tipo", "x"), patients=None), "não pôde ser lido"),
        (report(round=Round(failures=[Failure("s", 503, "HTTP 503 de https://api.example.test")])), "HTTP 503"),
        (report(round=Round(failures=[Failure("s", None, "recusada")])), "Sem resposta da API"),
        (report(round=Round(failures=[Failure("s", 422, "paciente JOSÉ", rejected=True)])), "recusou um censo"),
        (report(decision=Decision("held", "empty"), patients=0, baseline=412), "retido pela proteção"),
        (report(crashes=["x"]), "Falha inesperada"),
    ],
)  # fmt: skip
def test_problems_in_plain_words_without_names(cycle: CycleReport, expected: str) -> None:
    """Each trouble gets a sentence and what to do, written from kinds and statuses: never the driver's or the
    API's own words (host, user, a patient the API quoted)."""
    found = problems_of(cycle, NOW, None)
    assert len(found) == 1 and expected in found[0].title
    shown = found[0].title + found[0].advice
    for leaked in ("db.hosp", "integra ", "JOSÉ", "https://"):
        assert leaked not in shown


def test_token_refusal_is_told_through_the_pause(tmp_path: Path) -> None:
    """A 401 starts a pause; the following paused cycles still show the refused token, until a delivery."""
    board = StatusBoard(settings(tmp_path), Readiness(settings(tmp_path)))
    board.note(report(round=Round(failures=[Failure("s", 401, "token")])))
    board.note(report(round=Round(paused_for=290.0, pause_message="pausa")))
    assert [p.title for p in board.current] == [
        "A API HOTELEITOS recusou o token da integração (HTTP 401): nenhum censo é aceito."
    ]
    assert board.current[0].count == 2
    board.note(report(round=delivered(NOW)))
    assert board.current == [] and board.recent[0].title.startswith("A API HOTELEITOS recusou o token")


def test_source_is_described_without_user_or_password(tmp_path: Path) -> None:
    """Vendor, kind and host of the database, the driver's mode, the probe: never the user or the password."""
    source = describe_source(settings(tmp_path, change_probe="2s"))
    assert (source.vendor, source.kind, source.host) == ("mv", "Oracle", "db.hosp:1521")
    assert source.driver.startswith("python-oracledb, modo thin")
    assert source.probe.startswith("ligada a cada 2s")
    assert "integra" not in repr(source) and PASSWORD not in repr(source)


def test_origin_names_the_layers_that_set_something() -> None:
    """Empty layers are not an origin; nothing at all is the defaults."""
    layers = [("ambiente", {"api": {}}), (".env", {}), ("incumbent", {"api": {"url": "x"}}), ("arquivo c.yaml", {})]
    assert origin_of(layers) == "variáveis de ambiente, variáveis do integrador anterior (.env)"
    assert origin_of([(".env", {})]) == "valores padrão"


def test_board_verdicts(tmp_path: Path) -> None:
    """Green while delivering; amber with a census held; red once nothing reached the API within the window."""
    config = settings(tmp_path)
    mono = [100.0]
    readiness = Readiness(config, lambda: mono[0])
    board = StatusBoard(config, readiness)
    first = report(round=delivered(NOW), changes=Changes(admissions=2, discharges=1))
    readiness.update(delivered=True, depth={"pending": 0, "held": 0}, error=None)
    board.note(first)
    board.history.last_delivery = Delivery(NOW, 412, 0.2)
    view = board.view(NOW + 5)
    assert (view.health, view.headline) == ("ok", "O censo está chegando ao HOTELEITOS")
    readiness.update(delivered=False, depth={"pending": 0, "held": 1}, error=None, held_note="veio vazio")
    assert board.view(NOW + 5).health == "atencao"
    assert board.view(NOW + 5).headline.startswith("Censo retido")
    mono[0] += config.ready_window + 1
    late = board.view(NOW + config.ready_window + 1)
    assert late.health == "falha"


def test_board_is_red_when_the_last_delivery_lies_in_the_future(tmp_path: Path) -> None:
    """Just after a restart, with the wall clock stepped back an hour since the last delivery on record: its age is
    unknown, not negative, so the page does not call the census delivered."""
    config = settings(tmp_path)
    board = StatusBoard(config, Readiness(config))
    board.history.last_delivery = Delivery(NOW, 412, 0.2)
    assert board.view(NOW + 10).health == "atencao"
    assert board.view(NOW - 3600).health == "falha"


def test_board_restores_the_last_success_metric(tmp_path: Path) -> None:
    """The last delivery kept in the state folder sets hoteleitos_last_success_timestamp_seconds at start."""
    history = History.load(tmp_path / "state")
    (tmp_path / "state").mkdir()
    history.record(CycleFacts(NOW, ok=True, patients=1, deliveries=(Delivery(NOW - 7, 1, 0.1),)))
    metrics.LAST_SUCCESS.set(0)
    StatusBoard(settings(tmp_path), Readiness(settings(tmp_path)))
    assert REGISTRY.get_sample_value("hoteleitos_last_success_timestamp_seconds") == NOW - 7
    assert (REGISTRY.get_sample_value("hoteleitos_state_disk_size_bytes") or 0) > 0


def test_page_is_counts_only_and_offers_nothing_to_click(tmp_path: Path) -> None:
    """The page: a refresh, four charts with their summaries, the held census with the release command; no script,
    link, form or button; nothing fetched from elsewhere; no user, password or token."""
    config = settings(tmp_path)
    readiness = Readiness(config)
    board = StatusBoard(config, readiness, origin="arquivo config.yaml")
    for minute in range(0, 120, 1):
        board.note(report(round=delivered(NOW + minute * 60), changes=Changes(1, 1, 1)))
    readiness.update(delivered=True, depth={"pending": 2, "held": 1, "dead": 3}, error=None,
                     held_note="veio vazio; só com `hoteleitos-connector release`")  # fmt: skip
    board.note(report(decision=Decision("held", "empty"), patients=0, baseline=412))
    html = board.page().decode()
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', html)
    assert len(re.findall(r'<svg class="chart"', html)) == 4
    assert re.search(r"<(script|a|form|button|input|img|link|iframe)\b", html) is None
    assert re.search(r"(src|href)=", html) is None
    assert '<span class="num" id="rejeitados">3</span>' in html
    assert "<code>hoteleitos-connector release</code>" in html
    assert "arquivo config.yaml" in html and "Oracle em db.hosp:1521" in html
    for secret in ("tok-secreto", PASSWORD, "integra"):
        assert secret not in html
