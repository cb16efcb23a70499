"""``make validate`` refuses a phone line, address, amount, percentage or law number no fact holds.

The project's own texts pass; a copy of the project with one unsourced value of each kind fails with
the file and line of each, and so do a forbidden line, a citation of an unknown fact and an entity used
in an example but not declared in the domain.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.checks import check_examples
from bot.settings import ROOT
from bot.validation.facts import FACTS_FILE, check_facts

PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project holding only the real facts file."""
    (tmp_path / FACTS_FILE).parent.mkdir(parents=True)
    shutil.copy(ROOT / FACTS_FILE, tmp_path / FACTS_FILE)
    return tmp_path


def _catalogue(root: Path, locale: str, texts: dict[str, str]) -> str:
    folder = root / "locales" / locale / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(f'msgid "{key}"\nmsgstr "{text}"\n\n' for key, text in texts.items())
    (folder / "messages.po").write_text(PO_HEADER + body, encoding="utf-8")
    return f"locales/{locale}/LC_MESSAGES/messages.po"


def _found(problems: list, file: str) -> dict[int, str]:
    return {p.line: p.text for p in problems if p.file == file}


def test_the_project_states_only_sourced_values() -> None:
    assert [str(p) for p in check_facts(ROOT)] == []


def test_each_kind_of_unsourced_value_is_reported_with_its_line(project: Path) -> None:
    file = _catalogue(project, "fr", {
        "phone": "Appelez la ligne 3030.",
        "long_phone": "Appelez le 05 22 00 00 00.",
        "address": "Voir www.aides-sociales.example.ma.",
        "amount": "Une aide de 1 000 DH par mois.",
        "percent": "12 % des places.",
        "law": "La loi 12-34 le prévoit.",
        "sourced": "Appelez le 8350 ou le 19 ; asd.ma ; 500 DH ; 7 % ; loi 103-13.",
        "age": "Quel âge a-t-il ? (par exemple 68)",
    })  # fmt: skip
    found = _found(check_facts(project), file)
    lines = sorted(found)
    assert len(lines) == 6, found
    texts = " ".join(found.values())
    for value in ("3030", "05 22 00 00 00", "www.aides-sociales.example.ma", "1 000 DH", "12 %", "12-34"):
        assert value in texts


def test_arabic_and_arabizi_values_are_read_too(project: Path) -> None:
    ary = _catalogue(project, "ary", {"a": "عيط ل 3030 ولا شوف example.ma", "b": "عيط ل 8350، 500 درهم"})
    latn = _catalogue(project, "ary_Latn", {"a": "3ayet l 4040", "b": "3ayet l 2511, sse77a"})
    problems = check_facts(project)
    assert len(_found(problems, ary)) == 1 and "3030" in next(iter(_found(problems, ary).values()))
    assert len(_found(problems, latn)) == 1 and "4040" in next(iter(_found(problems, latn).values()))


def test_a_discontinued_line_is_refused(project: Path) -> None:
    file = _catalogue(project, "fr", {"old": "Appelez le 0 8000 8888."})
    assert "forbids" in " ".join(_found(check_facts(project), file).values())


def test_citations_name_existing_facts_inside_the_project(project: Path) -> None:
    folder = project / "data" / "services"
    folder.mkdir(parents=True)
    (folder / "sheet.yml").write_text(
        'id: x\nsource: "facts: line_8350, no_such_fact"\nother:\n  source: "domain-facts.md, Disability"\n',
        encoding="utf-8",
    )
    found = _found(check_facts(project), "data/services/sheet.yml")
    assert "no_such_fact" in found[2] and "outside the project" in found[4]


def test_eligibility_amounts_must_be_sourced(project: Path) -> None:
    folder = project / "data" / "eligibility"
    folder.mkdir(parents=True)
    (folder / "aid.yml").write_text(
        "estimate:\n  household_minimum: 500\n  grid:\n    - amounts: {2025: 250, 2026: 275}\n",
        encoding="utf-8",
    )
    found = _found(check_facts(project), "data/eligibility/aid.yml")
    assert list(found.values()) == [found[4]] and "275" in found[4]


def test_an_entity_missing_from_the_domain_is_reported(tmp_path: Path) -> None:
    (tmp_path / "domain.yml").write_text('version: "3.1"\nentities:\n  - city\n', encoding="utf-8")
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "nlu" / "x.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: find_center\n  examples: |\n    - centre à [Oujda](city)\n'
        "    - centre pour [femmes](centre_kind)\n",
        encoding="utf-8",
    )
    problems = [p for p in check_examples(tmp_path, minimum=0) if "not declared" in p.text]
    assert [(p.file, p.line) for p in problems] == [("data/nlu/x.yml", 6)]
    assert "centre_kind" in problems[0].text


def test_make_validate_prints_only_problems() -> None:
    """The real command: no library deprecation notices or progress lines around the report."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.checks"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 0, lines
    assert lines and lines[-1].startswith("content checks: 0 error(s)"), lines
    assert lines[:-1] == [], lines
