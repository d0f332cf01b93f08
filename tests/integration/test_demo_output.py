"""`demo` as a newcomer reads it: what it runs, every number in words, one record as HOTELEITOS receives it (masked),
counts that agree in number."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from adapters import writers
from adapters.synthetic import FEMALE, MALE, SURNAMES
from connector.census import FIELDS
from tests.support.cli import run_cli

CYCLE = re.compile(r"^Ciclo \d+: .*?(?=^\S|\Z)", re.M | re.S)
CENSUS = re.compile(r"^Ciclo \d+: (\d+) pacientes? internados? no censo, lido do banco em \d+ ms\.")
SEEN = re.compile(r"viu (\d+) admiss(?:ão|ões), (\d+) altas? e (\d+) transferências? \((\d+) \+ \1 - \2 = (\d+)\)")
SYNTHETIC_NAME = re.compile(  # a name as adapters.synthetic makes them; a professional's ("Dr(a). ...") is no patient
    rf"(?<!Dr\(a\)\. )\b(?:{'|'.join(FEMALE + MALE)}) (?:(?:de|da|dos) )?(?:{'|'.join(SURNAMES)}) "
    rf"(?:{'|'.join(SURNAMES)})\b",
    re.IGNORECASE,
)


def demo(tmp_path: Path, *args: str) -> str:
    """`demo ARGS` as a process with a TMPDIR of its own: its output, once checked that it ended well and left
    nothing behind."""
    scratch = tmp_path / "tmp"
    scratch.mkdir(parents=True)
    done = run_cli("demo", "--interval", "0", *args, env={"TMPDIR": str(scratch)}, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert list(scratch.iterdir()) == []
    return done.stdout


def flat(text: str) -> str:
    """The text with its wrapped lines joined."""
    return re.sub(r"\s*\n\s*", " ", text)


def test_demo_cycles_add_up_and_match_the_hospital(tmp_path: Path) -> None:
    """Each cycle tells its census size; the first census is all admissions, then the receiver's counts add up from
    one census to the next and match what the hospital made and what the connector counted."""
    output = demo(tmp_path, "--cycles", "4", "--patients", "120")
    cycles = CYCLE.findall(output)
    assert len(cycles) == 4
    sizes = [int(m.group(1)) for m in map(CENSUS.match, cycles) if m]
    assert len(sizes) == 4 and sizes[0] == 120
    assert "ele registra 120 admissões, uma por paciente" in flat(cycles[0])
    discharges = 0
    for previous, size, text in zip(sizes, sizes[1:], cycles[1:], strict=False):
        seen = SEEN.search(flat(text))
        assert seen is not None, text
        assert (int(seen.group(4)), int(seen.group(5))) == (previous, size)
        assert "exatamente o que o hospital fez desde o ciclo anterior. O conector contou o mesmo." in flat(text)
        discharges += int(seen.group(2))
    assert discharges > 0
    assert all("Envio ao receptor: HTTP 200 (aceito) em" in flat(text) for text in cycles)
    assert "Demonstração concluída: 4 ciclos" in output


def test_demo_explains_every_number_it_prints(tmp_path: Path) -> None:
    """The demo opens with what it runs (title, English gloss, the hospital, the real cycle, the stand-in and how it
    counts), and no number in a cycle's lines goes without the words that say what it is."""
    output = demo(tmp_path, "--cycles", "3", "--patients", "50")
    lines = output.splitlines()
    assert lines[0] == "Demonstração do hoteleitos-connector"
    assert lines[1].startswith("In English: ") and "HOTELEITOS stand-in" in lines[1]
    intro = flat(output.split("\nCiclo 1:")[0])
    for words in (
        "hospital sintético com 50 pacientes internados",
        "banco SQLite com as tabelas do MV",
        "ciclo de verdade",
        "receptor local no lugar da API HOTELEITOS (http://127.0.0.1:",
        "atendimento novo é admissão, atendimento que sumiu é alta, atendimento em outro leito é transferência",
        "O conector também compara cada censo que lê com o anterior",
        "3 ciclos, um a cada 0 s",
    ):
        assert words in intro
    assert "(conector:" not in output
    explained = (
        CENSUS.pattern,
        r"ele registra \d+ admiss(ão|ões), uma por paciente",
        SEEN.pattern,
        r"Envio ao receptor: HTTP \d{3} \(aceito\) em \d+ ms",
        r"o ciclo inteiro \(ler, guardar na fila, enviar\) levou \d+ ms",
    )
    cycles = CYCLE.findall(output)
    assert len(cycles) == 3
    for text in cycles:
        rest = flat(text)
        for pattern in explained:
            rest = re.sub(pattern, "", rest)
        assert not re.search(r"\d", rest), (rest, text)


@pytest.mark.parametrize("vendor", sorted(writers()))
def test_demo_shows_one_record_as_hoteleitos_receives_it_masked(vendor: str, tmp_path: Path) -> None:
    """After the first cycle the demo prints one element of `pacientes` as the receiver got it, all 15 fields, with
    name, record number and birth date masked as `preview` masks them; no patient's name appears anywhere."""
    output = demo(tmp_path, "--vendor", vendor, "--cycles", "2", "--patients", "40")
    assert output.count("Um paciente como o HOTELEITOS o recebe") == 1
    after = output.split("Um paciente como o HOTELEITOS o recebe")[1]
    assert 'count (40) e a lista "pacientes", com 40 registros como este' in flat(after)
    block = re.search(r"^  \{\n.*?^  \}$", after, re.M | re.S)
    assert block is not None
    record = json.loads(block.group(0))
    assert list(record) == list(FIELDS)
    assert record["cod_ocorrencia"] and record["cod_leito"] and record["profissional_nome"]
    assert record["paciente_codigo"] == "***"
    assert re.fullmatch(r"\d{4}-\*\*-\*\*", record["paciente_data_nascimento"])
    words = record["paciente_nome"].split()
    assert len(words) >= 3 and all(re.fullmatch(r"\w\**", word) for word in words)
    assert SYNTHETIC_NAME.search(output) is None, SYNTHETIC_NAME.search(output)


def test_demo_agrees_in_number_everywhere(tmp_path: Path) -> None:
    """Every count agrees with its noun (`1 transferência`, `2 transferências`, `1 ciclo`, `1 paciente internado`),
    never `1 transferências` or `3 alta`."""
    nouns = {
        "paciente": "pacientes",
        "internado": "internados",
        "admissão": "admissões",
        "alta": "altas",
        "transferência": "transferências",
        "ciclo": "ciclos",
        "registro": "registros",
    }
    one = re.compile(rf"\b1 (?:paciente )?(?:{'|'.join(nouns.values())})\b")
    many = re.compile(rf"\b(?:0|[2-9]|\d\d+) (?:pacientes )?(?:{'|'.join(nouns)})\b")
    single = flat(demo(tmp_path / "one", "--cycles", "1", "--patients", "1"))
    several = flat(demo(tmp_path / "many", "--cycles", "8", "--patients", "120"))
    for output in (single, several):
        assert one.search(output) is None, one.search(output)
        assert many.search(output) is None, many.search(output)
    for words in ("1 paciente internado (nomes", "1 paciente internado no censo", "registra 1 admissão,", ": 1 ciclo,"):
        assert words in single
    assert re.search(r"\b1 (?:admissão|alta|transferência)\b", several)
    assert re.search(r"\b(?:[2-9]|\d\d+) (?:admissões|altas|transferências)\b", several)
