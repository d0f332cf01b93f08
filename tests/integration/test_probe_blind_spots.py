"""What each vendor's change probe sees, measured on the real replicas: every blind spot an adapter declares
(`probe_blind_spots`) changes the census and leaves the probe's digest as it was, and the changes it must see
(admission, discharge from a bed, transfer to a free bed) change the digest. Should a probe start to see a declared
blind spot, its case fails here and the declaration (and docs/operacao.md) must be updated. With a running agent, an
MV bed swap reaches the receiver only at the full read; `check` says what the probe does not see."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from adapters import adapter_for, registry
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.integration.test_bounded_time import figure
from tests.integration.test_change_probe import FEW_INTERVALS, delivered_with, execute, probe_env
from tests.integration.test_operations import metrics
from tests.support import aghu_replica, mv_replica, spdata_replica, wareline_replica
from tests.support.cli import events, run_cli
from tests.support.processes import Agent
from tests.support.receivers import ScriptedReceiver, wait_until

PROBE_INTERVAL, FULL_READ_EVERY, MARGIN = 1, 6, 8  # seconds; the margin covers a loaded machine
CORRECTION = "correção de nome, convênio ou profissional"


@dataclass(frozen=True)
class Case:
    """A change as the HIS commits it (`when`, after `given` set the scene): a declared blind spot (`spot`), or,
    without one, a change the probe must see."""

    label: str
    when: tuple[str, ...]
    given: tuple[str, ...] = ()
    spot: str | None = None


MV_FREE_BED = (
    "INSERT INTO dbamv.leito (cd_leito, ds_leito, ds_resumo, cd_unid_int, ds_enfermaria, tp_ocupacao, tp_situacao) "
    "VALUES (40, '102-A', 'L40', 1, 'ENF 102', 'V', 'A')",
)
MV_SPOTS = registry()["mv"].probe_blind_spots
MV = [
    Case("admissão num leito", given=MV_FREE_BED, when=(
        "INSERT INTO dbamv.atendime (cd_atendimento, cd_paciente, cd_leito, dt_atendimento, tp_atendimento, "
        "cd_multi_empresa) VALUES (1010, 90000507, 40, CURRENT_TIMESTAMP, 'I', 1)",
        "UPDATE dbamv.leito SET tp_ocupacao = 'O' WHERE cd_leito = 40")),
    Case("admissão sem leito", when=(
        "INSERT INTO dbamv.atendime (cd_atendimento, cd_paciente, dt_atendimento, tp_atendimento, cd_multi_empresa) "
        "VALUES (1010, 90000507, CURRENT_TIMESTAMP, 'I', 1)",)),
    Case("alta de um leito", when=(
        "UPDATE dbamv.atendime SET dt_alta = CURRENT_TIMESTAMP WHERE cd_atendimento = 1001",
        "UPDATE dbamv.leito SET tp_ocupacao = 'L' WHERE cd_leito = 10")),
    Case("transferência para leito livre", given=MV_FREE_BED, when=(
        "UPDATE dbamv.atendime SET cd_leito = 40 WHERE cd_atendimento = 1001",
        "UPDATE dbamv.leito SET tp_ocupacao = 'O' WHERE cd_leito = 40",
        "UPDATE dbamv.leito SET tp_ocupacao = 'L' WHERE cd_leito = 10")),
    # Beds 10 and 11 stay occupied, no encounter is created: LEITO and the newest encounter are as they were.
    Case("troca de leito", spot=MV_SPOTS[0], when=(
        "UPDATE dbamv.atendime SET cd_leito = CASE cd_atendimento WHEN 1001 THEN 11 ELSE 10 END "
        "WHERE cd_atendimento IN (1001, 1002)",)),
    Case("alta do recém-nascido do alojamento", spot=MV_SPOTS[1], when=(
        "UPDATE dbamv.atendime SET dt_alta = CURRENT_TIMESTAMP WHERE cd_atendimento = 1006",)),
    Case("alta sem leito", spot=MV_SPOTS[2], when=(
        "UPDATE dbamv.atendime SET dt_alta = CURRENT_TIMESTAMP WHERE cd_atendimento = 1003",)),
    Case("nome", spot=CORRECTION, when=(
        "UPDATE dbamv.paciente SET nm_paciente = 'JOSÉ DA SILVA SANTOS' WHERE cd_paciente = 90000501",)),
    Case("convênio", spot=CORRECTION, when=("UPDATE dbamv.atendime SET cd_convenio = 2 WHERE cd_atendimento = 1001",)),
    Case("profissional", spot=CORRECTION, when=(
        "UPDATE dbamv.atendime SET cd_prestador = 8 WHERE cd_atendimento = 1001",)),
]  # fmt: skip

WARELINE_SPOTS = registry()["wareline"].probe_blind_spots
WARELINE = [
    Case("admissão", when=(
        "INSERT INTO public.arqatend (numatend, codpac, codplaco, codprest, codserv, tipoatend, datatend) "
        "VALUES ('0000012348', '00000779', '0070', '000042', '0001', 'I', CURRENT_TIMESTAMP)",
        "INSERT INTO public.arqint (numatend, codlei, posicao) VALUES ('0000012348', '000201', 'I')",
        "UPDATE public.cadlei SET tipobloq = '*', auxatend = '0000012348' WHERE codlei = '000201'")),
    Case("alta de um leito", when=(
        "UPDATE public.arqint SET posicao = 'A' WHERE numatend = '0000012345'",
        "UPDATE public.arqatend SET datasai = CURRENT_TIMESTAMP WHERE numatend = '0000012345'",
        "UPDATE public.cadlei SET tipobloq = 'L', auxatend = NULL WHERE codlei = '000101'")),
    Case("transferência para leito livre", when=(
        "UPDATE public.arqint SET codlei = '000201' WHERE numatend = '0000012345'",
        "UPDATE public.cadlei SET tipobloq = '*', auxatend = '0000012345' WHERE codlei = '000201'",
        "UPDATE public.cadlei SET tipobloq = 'L', auxatend = NULL WHERE codlei = '000101'")),
    # cadlei.auxatend names the occupant: a swap changes two beds' rows.
    Case("troca de leito", given=(
        "UPDATE public.arqint SET codlei = '000201' WHERE numatend = '0000012346'",
        "UPDATE public.cadlei SET tipobloq = '*', auxatend = '0000012346' WHERE codlei = '000201'"), when=(
        "UPDATE public.arqint SET codlei = CASE numatend WHEN '0000012345' THEN '000201' ELSE '000101' END "
        "WHERE numatend IN ('0000012345', '0000012346')",
        "UPDATE public.cadlei SET auxatend = CASE codlei WHEN '000101' THEN '0000012346' ELSE '0000012345' END "
        "WHERE codlei IN ('000101', '000201')")),
    # A second encounter in bed 000101, which cadlei names 0000012345: its discharge touches no bed row.
    Case("alta do segundo atendimento do leito", spot=WARELINE_SPOTS[0], given=(
        "UPDATE public.arqint SET codlei = '000101', posicao = 'I' WHERE numatend = '0000012347'",
        "UPDATE public.arqatend SET datasai = NULL WHERE numatend = '0000012347'"), when=(
        "UPDATE public.arqint SET posicao = 'A' WHERE numatend = '0000012347'",
        "UPDATE public.arqatend SET datasai = CURRENT_TIMESTAMP WHERE numatend = '0000012347'")),
    Case("alta num leito desativado", spot=WARELINE_SPOTS[0], when=(
        "UPDATE public.arqint SET posicao = 'A' WHERE numatend = '0000012346'",
        "UPDATE public.arqatend SET datasai = CURRENT_TIMESTAMP WHERE numatend = '0000012346'")),
    Case("nome", spot=CORRECTION, when=(
        "UPDATE public.cadpac SET nomepac = 'ANA PAULA SOUZA LIMA' WHERE codpac = '00000777'",)),
    Case("convênio", spot=CORRECTION, when=(
        "UPDATE public.arqatend SET codplaco = '0099' WHERE numatend = '0000012345'",)),
    Case("profissional", spot=CORRECTION, given=(
        "INSERT INTO public.cadprest (codprest, nomeprest, cbos) VALUES ('000043', 'DRA MARTA REIS', '225125')",),
         when=("UPDATE public.arqatend SET codprest = '000043' WHERE numatend = '0000012345'",)),
]  # fmt: skip


def _aghu_admission(seq: int, patient: int, place: str, bed: str | None) -> str:
    return (
        "INSERT INTO agh.ain_internacoes (seq, pac_codigo, ind_paciente_internado, ind_local_paciente, lto_lto_id, "
        "qrt_numero, unf_seq, dthr_internacao, csp_cnv_codigo, csp_seq, ser_matricula_professor, "
        f"ser_vin_codigo_professor) VALUES ({seq}, {patient}, 'S', '{place}', {bed or 'NULL'}, 101, "
        "1, CURRENT_TIMESTAMP, 2, 1, 12345, 1)"
    )


AGHU_SPOTS = registry()["aghu"].probe_blind_spots
AGHU = [
    Case("admissão num leito", when=(
        _aghu_admission(7011, 2, "L", "'0101B'"), "UPDATE agh.ain_leitos SET int_seq = 7011 WHERE lto_id = '0101B'")),
    Case("admissão sem leito", when=(_aghu_admission(7011, 2, "U", None),)),
    Case("alta de um leito", when=(
        "UPDATE agh.ain_internacoes SET ind_paciente_internado = 'N' WHERE seq = 7005",
        "UPDATE agh.ain_leitos SET int_seq = NULL WHERE lto_id = '0303A'")),
    Case("transferência para leito livre", when=(
        "UPDATE agh.ain_internacoes SET lto_lto_id = '0101B' WHERE seq = 7005",
        "UPDATE agh.ain_leitos SET int_seq = 7005 WHERE lto_id = '0101B'",
        "UPDATE agh.ain_leitos SET int_seq = NULL WHERE lto_id = '0303A'")),
    # ain_leitos.int_seq names the occupant: a swap changes two beds' rows.
    Case("troca de leito", when=(
        "UPDATE agh.ain_internacoes SET lto_lto_id = CASE seq WHEN 7005 THEN '0302B' ELSE '0303A' END "
        "WHERE seq IN (7005, 7006)",
        "UPDATE agh.ain_leitos SET int_seq = CASE lto_id WHEN '0303A' THEN 7006 ELSE 7005 END "
        "WHERE lto_id IN ('0302B', '0303A')")),
    # Bed 0101A names 7001; the newborn 7010 shares it.
    Case("alta do recém-nascido do alojamento", spot=AGHU_SPOTS[0], when=(
        "UPDATE agh.ain_internacoes SET ind_paciente_internado = 'N' WHERE seq = 7010",)),
    Case("alta de quem está só num quarto", spot=AGHU_SPOTS[1], when=(
        "UPDATE agh.ain_internacoes SET ind_paciente_internado = 'N' WHERE seq = 7003",)),
    Case("troca de quarto sem leito", spot=AGHU_SPOTS[1], when=(
        "UPDATE agh.ain_internacoes SET qrt_numero = 302 WHERE seq = 7003",)),
    Case("nome", spot=CORRECTION, when=("UPDATE agh.aip_pacientes SET nome = 'JOÃO DA SILVA FILHO' WHERE codigo = 1",)),
    Case("convênio", spot=CORRECTION, when=("UPDATE agh.ain_internacoes SET csp_cnv_codigo = 1 WHERE seq = 7001",)),
    Case("profissional", spot=CORRECTION, when=(
        "UPDATE agh.ain_internacoes SET ser_matricula_professor = 777 WHERE seq = 7001",)),
]  # fmt: skip

SPDATA = [
    Case("admissão", when=(
        "INSERT INTO ricadint (reg, pront, conv, entrada, horaent, alta, medass, bloco) "
        "VALUES (8010, 502, 3, CURRENT_DATE, CURRENT_TIME, '1899-12-30', '12345678901', 'B1')",
        "UPDATE rileitos SET reg = 8010 WHERE leito = '101B'")),
    Case("alta de um leito", when=(
        "UPDATE ricadint SET alta = CURRENT_DATE WHERE reg = 8001",
        "UPDATE rileitos SET reg = 0 WHERE leito = '101A'")),
    Case("transferência para leito livre", when=(
        "UPDATE rileitos SET reg = 8001 WHERE leito = '101B'", "UPDATE rileitos SET reg = 0 WHERE leito = '101A'")),
    Case("troca de leito", when=(
        "UPDATE rileitos SET reg = CASE leito WHEN '101A' THEN 8004 ELSE 8001 END WHERE leito IN ('101A', '103A')",)),
    Case("nome", spot=CORRECTION, when=("UPDATE ricadpac SET nome = 'JOSE DA CONCEICAO NETO' WHERE pront = 501",)),
    Case("convênio", spot=CORRECTION, when=("UPDATE ricadint SET conv = 4 WHERE reg = 8001",)),
    Case("profissional", spot=CORRECTION,
         given=("INSERT INTO tbprofis (cnpj_cpf, nome) VALUES ('98765432100', 'DRA. ANA SOUZA')",),
         when=("UPDATE ricadint SET medass = '98765432100' WHERE reg = 8001",)),
]  # fmt: skip

# vendor -> (the database fixture, the replica's builder, the cases)
VENDORS: dict[str, tuple[str, Callable[[URL], None], list[Case]]] = {
    "mv": ("pg_url", mv_replica.build, MV),
    "wareline": ("pg_url", wareline_replica.build, WARELINE),
    "aghu": ("pg_url", aghu_replica.build, AGHU),
    "spdata": ("firebird_url", spdata_replica.build, SPDATA),
}
VISIBLE = {"alta de um leito", "transferência para leito livre"}  # and an admission: every vendor's probe sees these


def census_and_digest(vendor: str, url: URL) -> tuple[list[dict[str, Any]], str]:
    settings = SourceSettings.model_validate({"vendor": vendor, "url": url.render_as_string(False)})
    engine = create_source_engine(settings.url.get_secret_value(), connect_timeout=5, query_timeout=30)  # type: ignore[union-attr]
    try:
        adapter = adapter_for(settings)
        records = adapter.read(engine, date(2026, 11, 26)).census.records
        return sorted(records, key=lambda r: str(r["cod_ocorrencia"])), adapter.probe(engine, date(2026, 11, 26)).digest
    finally:
        engine.dispose()


def test_every_vendor_probe_has_its_cases_and_each_declared_blind_spot_is_measured() -> None:
    """Every vendor with a probe.sql is measured here; its declared blind spots are exactly those of its cases, and
    it has cases for an admission, a discharge from a bed and a transfer to a free bed, which it must see."""
    assert set(VENDORS) == {name for name, adapter in registry().items() if adapter.probe_resource() is not None}
    for vendor, (_, _, cases) in VENDORS.items():
        assert {c.spot for c in cases if c.spot} == set(registry()[vendor].probe_blind_spots), vendor
        seen = {c.label for c in cases if c.spot is None}
        assert seen >= VISIBLE and any(label.startswith("admissão") for label in seen), vendor


@pytest.mark.parametrize(
    ("vendor", "case"), [pytest.param(v, c, id=f"{v}-{c.label}") for v, (_, _, cases) in VENDORS.items() for c in cases]
)
def test_the_probe_sees_what_is_declared_visible_and_misses_each_declared_blind_spot(
    vendor: str, case: Case, request: pytest.FixtureRequest
) -> None:
    """The change alters the census; the probe's digest changes unless the change is a declared blind spot."""
    fixture, build, _ = VENDORS[vendor]
    url: URL = request.getfixturevalue(fixture)
    build(url)
    if case.given:
        execute(url, *case.given)
    census, digest = census_and_digest(vendor, url)
    execute(url, *case.when)
    changed_census, changed_digest = census_and_digest(vendor, url)
    assert changed_census != census, "the case must change the census"
    if case.spot is None:
        assert changed_digest != digest, f"{vendor}: the probe must see '{case.label}'"
    else:
        assert changed_digest == digest, f"{vendor}: the probe now sees '{case.label}': update '{case.spot}'"


def test_check_says_what_the_probe_does_not_see_and_when_it_arrives(
    pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """`check` with the probe on: one line under the probe's item names MV's blind spots and the configured
    HOTELEITOS_FULL_READ_EVERY; with the hospital's own probe file, only the bound; with the probe off, nothing."""
    mv_replica.build(pg_url)
    env = probe_env(pg_url, receiver, tmp_path, "mv", HOTELEITOS_CHANGE_PROBE="2s", HOTELEITOS_FULL_READ_EVERY="3m")
    done = run_cli("check", env=env, cwd=tmp_path)
    lines = [line.strip() for line in done.stdout.splitlines() if "chega na próxima leitura completa" in line]
    assert lines == [
        f"A sonda não vê {'; '.join(MV_SPOTS)}: isso chega na próxima leitura completa, no máximo 3m depois "
        "(HOTELEITOS_FULL_READ_EVERY)."
    ], done.stdout + done.stderr
    own = tmp_path / "sonda.sql"
    own.write_text("SELECT l.cd_leito, l.tp_ocupacao FROM dbamv.leito l", encoding="utf-8")
    hospital = run_cli("check", env={**env, "HOTELEITOS_SOURCE_PROBE_FILE": str(own)}, cwd=tmp_path)
    assert "O que a sonda não vê chega na próxima leitura completa, no máximo 3m depois" in hospital.stdout
    assert MV_SPOTS[0] not in hospital.stdout
    off = run_cli("check", env={**env, "HOTELEITOS_CHANGE_PROBE": ""}, cwd=tmp_path)
    assert "sonda não vê" not in off.stdout


def test_an_mv_bed_swap_waits_for_the_full_read(
    pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent]
) -> None:
    """`run` on the MV replica, probe every 1 s, full read every 6 s: two patients swap beds right after a push; the
    swap reaches the receiver with the next full read (trigger full_read_every, two transfers), never by the probe,
    more than a probe interval and at most FULL_READ_EVERY plus a margin after the commit."""
    mv_replica.build(pg_url)
    agent = Agent(probe_env(pg_url, receiver, tmp_path, "mv", HOTELEITOS_FULL_READ_EVERY="6s"), tmp_path)
    agents.append(agent)
    assert wait_until(lambda: len(receiver.accepted) == 2, timeout=FEW_INTERVALS)  # the start, then a full read
    execute(pg_url, "UPDATE dbamv.atendime SET cd_leito = CASE cd_atendimento WHEN 1001 THEN 11 ELSE 10 END "
            "WHERE cd_atendimento IN (1001, 1002)")  # fmt: skip
    committed = time.monotonic()
    swapped = lambda beds: beds.get("1001") == "11" and beds.get("1002") == "10"  # noqa: E731
    assert wait_until(lambda: delivered_with(receiver, swapped), timeout=FEW_INTERVALS)
    delay = time.monotonic() - committed
    figure("MV bed swap, commit to push (probe 1s, full read 6s)", delay, FULL_READ_EVERY + MARGIN)
    samples = metrics(agent)
    assert agent.stop() == 0

    assert PROBE_INTERVAL <= delay <= FULL_READ_EVERY + MARGIN
    logged = events(agent.stdout)
    triggers = [e.get("trigger") for e in logged if e["event"] == "cycle_finished"]
    assert triggers[0] == "start" and set(triggers[1:]) == {"full_read_every"}, triggers
    changes = [(e["admissions"], e["discharges"], e["transfers"]) for e in logged if e["event"] == "census_changes"]
    assert [counts for counts in changes if any(counts)] == [(0, 0, 2)], changes  # a full read logs its counts, 0s too
    assert samples[("hoteleitos_full_reads_total", (("trigger", "changed"),))] == 0
    assert samples[("hoteleitos_probes_total", (("result", "changed"),))] <= 1  # at most the start's first answer
