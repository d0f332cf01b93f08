"""The change probe against real PostgreSQL (MV and Wareline replicas), a real receiver on 127.0.0.1 and `run` as a
real subprocess: a bed change is pushed within a few probe intervals although the schedule and the full read are an
hour away; the full read still comes every FULL_READ_EVERY; a failing probe falls back to the schedule and says so
once; with the probe off nothing of it runs."""

from __future__ import annotations

import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from adapters import adapter_for, registry, writers
from connector.census.changes import Changes, ChangeTracker
from connector.commands.demo.hospital import DemoHospital
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.integration.test_bounded_time import figure, start
from tests.integration.test_operations import metrics
from tests.support import mv_replica, wareline_replica
from tests.support.cli import events, run_cli
from tests.support.hospital import Hospital
from tests.support.processes import Agent
from tests.support.receivers import ScriptedReceiver, wait_until
from tests.support.services import PG_ADMIN_URL, fresh_database
from tests.support.tcp_proxy import TcpProxy

TOKEN = "tok-probe-7c2d"
HOUR = "1h"
FEW_INTERVALS = 30  # seconds: generous for a loaded machine, yet nothing but the probe can explain it


def probe_env(url: URL, receiver: ScriptedReceiver, tmp_path: Path, vendor: str, **extra: str) -> dict[str, str]:
    return {
        "HOTELEITOS_API_URL": receiver.url,
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_VENDOR": vendor,
        "HOTELEITOS_SOURCE_URL": url.render_as_string(hide_password=False),
        "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
        "HOTELEITOS_LOG_FORMAT": "json",
        "HOTELEITOS_SCHEDULE": "30s",  # reads only while a cycle left something undone; sets the full reads' budget
        "HOTELEITOS_CHANGE_PROBE": "1s",
        "HOTELEITOS_FULL_READ_EVERY": HOUR,
        **extra,
    }


def execute(url: URL, *statements: str) -> None:
    """One transaction of the HIS, as its own application would commit it."""
    engine = create_engine(url)
    with engine.begin() as db:
        for statement in statements:
            db.execute(text(statement))
    engine.dispose()


def beds_of(receiver: ScriptedReceiver, index: int = -1) -> dict[str, str | None]:
    return {p["cod_ocorrencia"]: p["cod_leito"] for p in receiver.accepted[index].json()["pacientes"]}


def delivered_with(receiver: ScriptedReceiver, predicate) -> bool:  # type: ignore[no-untyped-def]
    return bool(receiver.accepted) and predicate(beds_of(receiver))


def test_mv_bed_changes_arrive_within_a_few_probe_intervals(
    pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent]
) -> None:
    """On the MV replica, with the schedule and the full read an hour away: nothing is read while nothing changes
    (an outpatient encounter included); a discharge, a transfer and an admission (still without a bed) each reach
    the receiver, counted by kind, never naming a patient."""
    mv_replica.build(pg_url)
    agent = Agent(probe_env(pg_url, receiver, tmp_path, "mv"), tmp_path)
    agents.append(agent)
    assert wait_until(lambda: len(receiver.accepted) == 1, timeout=FEW_INTERVALS)
    assert beds_of(receiver)["1001"] == "10"
    # An outpatient encounter (no bed, not a census type) moves nothing the probe reads.
    execute(pg_url, "INSERT INTO dbamv.atendime (cd_atendimento, cd_paciente, dt_atendimento, tp_atendimento, "
            "cd_multi_empresa) VALUES (1020, 90000508, CURRENT_TIMESTAMP, 'A', 1)")  # fmt: skip
    time.sleep(3)  # three probe intervals
    assert len(receiver.accepted) == 1

    committed = time.monotonic()
    execute(pg_url, "UPDATE dbamv.atendime SET dt_alta = CURRENT_TIMESTAMP WHERE cd_atendimento = 1001",
            "UPDATE dbamv.leito SET tp_ocupacao = 'L' WHERE cd_leito = 10")  # fmt: skip
    assert wait_until(lambda: delivered_with(receiver, lambda beds: "1001" not in beds), timeout=FEW_INTERVALS)
    figure("MV discharge, commit to push (probe 1s)", time.monotonic() - committed, FEW_INTERVALS)
    execute(pg_url, "UPDATE dbamv.atendime SET cd_leito = 10 WHERE cd_atendimento = 1002",
            "UPDATE dbamv.leito SET tp_ocupacao = 'O' WHERE cd_leito = 10")  # fmt: skip
    assert wait_until(lambda: delivered_with(receiver, lambda beds: beds.get("1002") == "10"), timeout=FEW_INTERVALS)
    # Admitted and still waiting for a bed: only the newest CD_ATENDIMENTO tells the probe.
    execute(pg_url, "INSERT INTO dbamv.atendime (cd_atendimento, cd_paciente, dt_atendimento, tp_atendimento, "
            "cd_multi_empresa) VALUES (1010, 90000507, CURRENT_TIMESTAMP, 'I', 1)")  # fmt: skip
    assert wait_until(lambda: delivered_with(receiver, lambda beds: "1010" in beds), timeout=FEW_INTERVALS)
    assert agent.stop() == 0

    logged = events(agent.stdout)
    triggers = [e.get("trigger") for e in logged if e["event"] == "cycle_finished"]
    assert triggers == ["start", "changed", "changed", "changed"], triggers
    changes = [(e["admissions"], e["discharges"], e["transfers"]) for e in logged if e["event"] == "census_changes"]
    assert changes == [(0, 1, 0), (0, 0, 1), (1, 0, 0)]
    assert not any(e["event"] == "probe_failed" for e in logged)
    for secret in mv_replica.PATIENT_SECRETS:
        assert secret not in agent.stderr + agent.stdout


def test_wareline_bed_changes_arrive_within_a_few_probe_intervals(
    pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent]
) -> None:
    """On the Wareline replica (cadlei is the probe): a transfer and a discharge each reach the receiver, and the
    counters hoteleitos_census_changes_total say what they were."""
    wareline_replica.build(pg_url)
    agent = Agent(probe_env(pg_url, receiver, tmp_path, "wareline"), tmp_path)
    agents.append(agent)
    assert wait_until(lambda: len(receiver.accepted) == 1, timeout=FEW_INTERVALS)
    assert beds_of(receiver)["0000012345"] == "000101"
    execute(pg_url, "UPDATE public.arqint SET codlei = '000201' WHERE numatend = '0000012345'",
            "UPDATE public.cadlei SET tipobloq = '*', auxatend = '0000012345' WHERE codlei = '000201'",
            "UPDATE public.cadlei SET tipobloq = 'L', auxatend = NULL WHERE codlei = '000101'")  # fmt: skip
    moved = wait_until(lambda: delivered_with(receiver, lambda beds: beds.get("0000012345") == "000201"), timeout=30)
    assert moved
    execute(pg_url, "UPDATE public.arqint SET posicao = 'A' WHERE numatend = '0000012346'",
            "UPDATE public.arqatend SET datasai = CURRENT_TIMESTAMP WHERE numatend = '0000012346'",
            "UPDATE public.cadlei SET tipobloq = 'L', auxatend = NULL WHERE codlei = '000102'")  # fmt: skip
    assert wait_until(lambda: delivered_with(receiver, lambda beds: "0000012346" not in beds), timeout=FEW_INTERVALS)
    samples = metrics(agent)
    assert agent.stop() == 0
    kinds = {kind: samples[("hoteleitos_census_changes_total", (("kind", kind),))] for kind in
             ("admission", "discharge", "transfer")}  # fmt: skip
    assert kinds == {"admission": 0, "discharge": 1, "transfer": 1}
    assert samples[("hoteleitos_full_reads_total", (("trigger", "changed"),))] == 2
    assert samples[("hoteleitos_probes_total", (("result", "changed"),))] >= 3  # the start, then each change


def test_the_full_read_still_comes_every_full_read_every(
    hospital: Hospital, tmp_path: Path, agents: list[Agent]
) -> None:
    """Nothing changes (a `custom` HIS with the hospital's probe file): the census is still read and pushed every
    FULL_READ_EVERY, each time a new snapshot, with the schedule an hour away."""
    probe = tmp_path / "sonda.sql"
    probe.write_text("SELECT c.cod, c.leito FROM censo_teste c", encoding="utf-8")
    env = hospital.env(HOTELEITOS_CHANGE_PROBE="1s", HOTELEITOS_FULL_READ_EVERY="2s", HOTELEITOS_SCHEDULE=HOUR,
                       HOTELEITOS_SOURCE_PROBE_FILE=str(probe))  # fmt: skip
    agent = Agent(env, tmp_path)
    agents.append(agent)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 3, timeout=FEW_INTERVALS)
    assert agent.stop() == 0
    triggers = [e.get("trigger") for e in events(agent.stdout) if e["event"] == "cycle_finished"]
    assert triggers[0] == "start" and set(triggers[1:]) == {"full_read_every"}, triggers
    snapshots = {request.headers["idempotency-key"] for request in hospital.receiver.accepted}
    assert len(snapshots) == len(hospital.receiver.accepted)


def test_a_failing_probe_falls_back_to_the_schedule_and_says_so_once(
    hospital: Hospital, tmp_path: Path, agents: list[Agent]
) -> None:
    """The probe's table does not exist: the census follows the 1 s schedule, `probe_failed` is logged once however
    many ticks fail; once the table exists, `probe_recovered` once, and reads go back to changes only."""
    execute(hospital.url, "DROP TABLE IF EXISTS leitos_sonda")
    probe = tmp_path / "sonda.sql"
    probe.write_text("SELECT l.leito FROM leitos_sonda l", encoding="utf-8")
    env = hospital.env(HOTELEITOS_CHANGE_PROBE="1s", HOTELEITOS_FULL_READ_EVERY=HOUR, HOTELEITOS_SCHEDULE="1s",
                       HOTELEITOS_SOURCE_PROBE_FILE=str(probe))  # fmt: skip
    agent = Agent(env, tmp_path)
    agents.append(agent)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 4, timeout=FEW_INTERVALS)
    execute(hospital.url, "CREATE TABLE leitos_sonda (leito TEXT)")
    recovered = wait_until(
        lambda: (metrics(agent).get(("hoteleitos_probes_total", (("result", "unchanged"),))) or 0) >= 2,
        timeout=FEW_INTERVALS,
    )
    assert recovered
    assert agent.stop() == 0
    logged = events(agent.stdout)
    failed = [e for e in logged if e["event"] == "probe_failed"]
    assert len(failed) == 1 and failed[0]["kind"] == "missing_table", failed
    assert "HOTELEITOS_SCHEDULE" in str(failed[0]["message"])
    assert len([e for e in logged if e["event"] == "probe_recovered"]) == 1
    back = next(i for i, e in enumerate(logged) if e["event"] == "probe_recovered")
    before = [e.get("trigger") for e in logged[:back] if e["event"] == "cycle_finished"]
    after = [e.get("trigger") for e in logged[back:] if e["event"] == "cycle_finished"]
    assert before[0] == "start" and before.count("schedule") >= 3 and set(before[1:]) == {"schedule"}, before
    assert after == ["changed"], after  # the probe's first answer since it failed; then only changes read
    execute(hospital.url, "DROP TABLE leitos_sonda")


def test_with_the_probe_off_nothing_of_it_runs(hospital: Hospital, tmp_path: Path, agents: list[Agent]) -> None:
    """No HOTELEITOS_CHANGE_PROBE (an incumbent .env): cycles on the schedule as always, no probe, no trigger, the
    probe's series at 0; a probe file set anyway is never read."""
    probe = tmp_path / "sonda.sql"
    probe.write_text("SELECT x FROM tabela_que_nao_existe", encoding="utf-8")
    env = hospital.env(HOTELEITOS_SCHEDULE="1s", HOTELEITOS_SOURCE_PROBE_FILE=str(probe))
    agent = Agent(env, tmp_path)
    agents.append(agent)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 3, timeout=FEW_INTERVALS)
    samples = metrics(agent)
    assert agent.stop() == 0
    logged = events(agent.stdout)
    assert not any(e["event"].startswith("probe_") for e in logged)
    assert not any("trigger" in e for e in logged if e["event"] == "cycle_finished")
    started = next(e for e in logged if e["event"] == "connector_started")
    assert "change_probe" not in started
    probe_series = [("hoteleitos_probes_total", (("result", r),)) for r in ("unchanged", "changed", "failed")]
    probe_series += [("hoteleitos_full_reads_total", (("trigger", t),)) for t in ("start", "changed", "schedule")]
    assert [samples[series] for series in probe_series] == [0] * len(probe_series)


def test_check_runs_the_probe_and_its_grants(pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """`check` with the probe on runs it (OK) and counts its columns among those the user must read; a broken
    probe file is a failed item that names the fallback."""
    mv_replica.build(pg_url)
    env = probe_env(pg_url, receiver, tmp_path, "mv", HOTELEITOS_CHANGE_PROBE="2s", HOTELEITOS_FULL_READ_EVERY="5m")
    done = run_cli("check", env=env, cwd=tmp_path)
    assert "[OK   ] Sonda de mudança: queries/mv/probe.sql executada em" in done.stdout, done.stdout + done.stderr
    assert "sonda de mudança a cada 2s" in done.stdout
    off = run_cli("check", env={**env, "HOTELEITOS_CHANGE_PROBE": ""}, cwd=tmp_path)
    assert "Sonda de mudança" not in off.stdout
    columns = int(done.stdout.split(" coluna(s)")[0].rsplit(" ", 1)[-1])
    columns_off = int(off.stdout.split(" coluna(s)")[0].rsplit(" ", 1)[-1])
    assert columns == columns_off + 1  # LEITO.TP_OCUPACAO: the probe's only column the census does not read
    broken = tmp_path / "sonda.sql"
    broken.write_text("SELECT l.nao_existe FROM dbamv.leito l", encoding="utf-8")
    failed = run_cli("check", env={**env, "HOTELEITOS_SOURCE_PROBE_FILE": str(broken)}, cwd=tmp_path)
    assert failed.returncode == 1
    assert "[FALHA] Sonda de mudança" in failed.stdout and "lido na agenda (30s)" in failed.stdout


def test_sigterm_during_a_silent_probe_exits_fast(
    pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent]
) -> None:
    """The network goes silent while the probe runs every second: SIGTERM still ends `run` with 0 within 10 s."""
    mv_replica.build(pg_url)
    relay = TcpProxy(("127.0.0.1", 5432))
    try:
        url = pg_url.set(host="127.0.0.1", port=relay.port)
        env = probe_env(url, receiver, tmp_path, "mv", HOTELEITOS_SOURCE_CONNECT_TIMEOUT="60",
                        HOTELEITOS_SOURCE_QUERY_TIMEOUT="60")  # fmt: skip
        process = start("run", env=env, cwd=tmp_path)
        assert wait_until(lambda: len(receiver.accepted) == 1, timeout=FEW_INTERVALS)
        relay.silence()
        time.sleep(2.5)  # at least one probe now waits on the silent network
        began = time.monotonic()
        process.send_signal(15)
        out, err = process.communicate(timeout=30)
        stopped = time.monotonic() - began
    finally:
        relay.close()
    figure("SIGTERM during a silent probe (run)", stopped, 10)
    assert process.returncode == 0, out + err
    assert stopped < 10
    assert not any(e["event"] == "probe_failed" for e in events(err))


@pytest.mark.parametrize("vendor", sorted(v for v in writers() if registry()[v].probe_resource() is not None))
def test_every_vendor_probe_sees_each_hospital_step_and_nothing_else(vendor: str, tmp_path: Path) -> None:
    """On each vendor's own tables (the synthetic hospital), its probe.sql gives the same digest while nothing
    happens and another after every step of admissions, discharges and transfers; the connector's own counts of
    what changed match what the hospital did. MV's probe needs FETCH FIRST (Oracle 12c, PostgreSQL; not SQLite):
    its hospital lives in a PostgreSQL database of its own."""
    with ExitStack() as stack:
        url = None
        if vendor == "mv":
            url = stack.enter_context(fresh_database(PG_ADMIN_URL, "probe")).render_as_string(hide_password=False)
        probe_sees_each_step(vendor, tmp_path, url)


def probe_sees_each_step(vendor: str, tmp_path: Path, url: str | None) -> None:
    hospital = DemoHospital(tmp_path / f"{vendor}.sqlite3", vendor=vendor, patients=60, url=url)
    settings = SourceSettings.model_validate({"vendor": vendor, "url": hospital.url, "schema": ""})
    engine = create_source_engine(hospital.url, connect_timeout=5, query_timeout=30)
    adapter, tracker = adapter_for(settings), ChangeTracker()
    try:
        tracker.update(adapter.read(engine, date.today()).census)
        before = adapter.probe(engine, date.today())
        assert before.rows > 0 and adapter.probe(engine, date.today()).digest == before.digest
        for _ in range(4):
            moved = hospital.step()
            after = adapter.probe(engine, date.today())
            assert after.digest != before.digest
            counted = tracker.update(adapter.read(engine, date.today()).census)
            assert counted == Changes(moved.admissions, moved.discharges, moved.transfers)
            before = after
    finally:
        engine.dispose()
        hospital.close()


def sleeping_probes(url: URL, marker: str) -> int:
    """Statements of the probe still running on the server (the marker is a comment in the probe's SQL)."""
    engine = create_engine(url)
    with engine.connect() as db:
        count = db.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE :marker AND pid <> pg_backend_pid()"),
            {"marker": f"%{marker}%"},
        ).scalar_one()
    engine.dispose()
    return int(count)


def test_a_hanging_probe_is_cut_at_its_own_bound_and_never_holds_the_census_back(
    hospital: Hospital, tmp_path: Path, agents: list[Agent]
) -> None:
    """The probe hangs (a bed table locked by another transaction, here a sleep) while the census query may take
    120 s: the probe is cut at its own 5 s bound, so the census still follows the 2 s schedule meanwhile; the
    server is asked to stop each cut probe (no statement left sleeping there); said once."""
    probe = tmp_path / "sonda.sql"
    probe.write_text("SELECT pg_sleep(60) AS sonda_pendurada -- sonda_pendurada", encoding="utf-8")
    env = hospital.env(HOTELEITOS_CHANGE_PROBE="1s", HOTELEITOS_FULL_READ_EVERY=HOUR, HOTELEITOS_SCHEDULE="2s",
                       HOTELEITOS_SOURCE_QUERY_TIMEOUT="120", HOTELEITOS_SOURCE_PROBE_FILE=str(probe))  # fmt: skip
    agent = Agent(env, tmp_path)
    agents.append(agent)
    # Without a bound of its own, the first probe would hold every cycle back for 120 s.
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 3, timeout=FEW_INTERVALS)
    assert agent.stop() == 0
    logged = events(agent.stdout)
    failed = [e for e in logged if e["event"] == "probe_failed"]
    assert len(failed) == 1, failed
    assert failed[0]["kind"] == "timeout" and failed[0]["detail"] == "probe_deadline"
    assert "5s" in str(failed[0]["message"]) and "HOTELEITOS_SCHEDULE" in str(failed[0]["message"])
    triggers = [e.get("trigger") for e in logged if e["event"] == "cycle_finished"]
    assert triggers[0] == "start" and set(triggers[1:]) == {"schedule"}, triggers
    assert wait_until(lambda: sleeping_probes(hospital.url, "sonda_pendurada") == 0, timeout=10)


def test_many_changes_spend_the_budget_then_wait_for_it_coalesced(
    hospital: Hospital, tmp_path: Path, agents: list[Agent]
) -> None:
    """With a 10 s schedule the full reads' budget is 342 an hour, 5 at once: eight beds changing a second or two
    apart are read one by one until the five are spent (the start took one), then the rest wait for the budget and
    are read together; the metric counts them, the log says it once, and the last change still arrives."""
    probe = tmp_path / "sonda.sql"
    probe.write_text("SELECT c.cod, c.leito FROM censo_teste c", encoding="utf-8")
    env = hospital.env(HOTELEITOS_CHANGE_PROBE="1s", HOTELEITOS_FULL_READ_EVERY=HOUR, HOTELEITOS_SCHEDULE="10s",
                       HOTELEITOS_SOURCE_PROBE_FILE=str(probe))  # fmt: skip
    agent = Agent(env, tmp_path)
    agents.append(agent)
    assert wait_until(lambda: len(hospital.receiver.accepted) == 1, timeout=FEW_INTERVALS)
    for move in range(1, 9):
        execute(hospital.url, f"UPDATE censo_teste SET leito = 'T{move}' WHERE cod = 1")
        time.sleep(1.5)
    last = wait_until(lambda: delivered_with(hospital.receiver, lambda beds: beds.get("1") == "T8"), timeout=40)
    samples = metrics(agent)
    assert agent.stop() == 0
    assert last
    coalesced = samples[("hoteleitos_probe_changes_coalesced_total", ())]
    changed_reads = samples[("hoteleitos_full_reads_total", (("trigger", "changed"),))]
    assert 4 <= changed_reads < 8 and coalesced >= 2, (changed_reads, coalesced)  # without a budget: 8 and 0
    logged = events(agent.stdout)
    assert len([e for e in logged if e["event"] == "probe_budget_spent"]) == 1
