"""The eligibility validator names the file and LINE of each problem; the project's files are clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.checks import check_files
from bot.eligibility.loader import EligibilityError, load_programmes
from bot.eligibility.validate import check_directory, validate_eligibility
from bot.i18n.catalogs import LOCALES
from bot.settings import ROOT

CLEAN = """\
programme: sample
title: t_title
center_type: elderly
source: "domain-facts.md, Elderly people"
checked: 2026-11-01
questions:
  - slot: age
    type: number
    min: 0
    max: 120
    text: t_q_age
    label: t_label_age
  - slot: alone
    type: yes_no
    text: t_q_alone
    label: t_label_alone
rules:
  - when: {age: {lt: 60}}
    outcome: likely_not_eligible
    reason: t_r_young
    source: "domain-facts.md"
    checked: 2026-11-01
  - when: {age: {ge: 60}, alone: "yes"}
    outcome: likely_eligible
    reason: t_r_alone
    source: "domain-facts.md"
    checked: 2026-11-01
  - when: {any: [{age: dont_know}, {alone: "no"}, {alone: dont_know}]}
    outcome: cannot_tell
    reason: t_r_unsure
    source: "domain-facts.md"
    checked: 2026-11-01
documents:
  text: t_docs
  source: "domain-facts.md lists none"
  checked: 2026-11-01
apply:
  text: t_apply
  source: "domain-facts.md"
  checked: 2026-11-01
"""
KEYS = [
    "t_title",
    "t_q_age",
    "t_label_age",
    "t_q_alone",
    "t_label_alone",
    "t_r_young",
    "t_r_alone",
    "t_r_unsure",
    "t_docs",
    "t_apply",
]


def project(tmp_path: Path, text: str, keys: list[str] = KEYS, missing_in: str = "") -> Path:
    """A small project folder: one eligibility file and catalogues with ``keys``."""
    (tmp_path / "data" / "eligibility").mkdir(parents=True)
    (tmp_path / "data" / "eligibility" / "sample.yml").write_text(text, encoding="utf-8")
    for locale in LOCALES:
        folder = tmp_path / "locales" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        catalog = Catalog(locale=None)
        for key in keys:
            if not (locale == missing_in and key == keys[-1]):
                catalog.add(key, f"{key} in {locale}")
        with (folder / "eligibility.po").open("wb") as handle:
            write_po(handle, catalog)
    return tmp_path


def problems(root: Path) -> list[str]:
    return check_directory(root / "data" / "eligibility", root, root / "locales")


def test_a_clean_file_has_no_problem(tmp_path: Path) -> None:
    assert problems(project(tmp_path, CLEAN)) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # unknown slot in a rule (line 23 holds the condition)
        (
            '  - when: {age: {ge: 60}, alone: "yes"}',
            '  - when: {age: {ge: 60}, lonely: "yes"}',
            "sample.yml:23: rule 2: unknown slot 'lonely'",
        ),
        # unreachable rule: an earlier rule always decides first
        ("  - when: {age: {lt: 60}}", "  - when: {}", "sample.yml:23: rule 2 is unreachable"),
        # missing source on a rule (rule starts on line 18)
        (
            '    reason: t_r_young\n    source: "domain-facts.md"\n',
            "    reason: t_r_young\n",
            "sample.yml:18: rule 1: missing source",
        ),
        # bad types: a yes/no compared with a number, a number question typed 'integer', max not a number
        ('alone: "yes"}', "alone: 5}", "sample.yml:23: rule 2: 5 is not an answer of 'alone'"),
        ("    type: number", "    type: integer", "sample.yml:8: question 'age': type must be one of"),
        ("    max: 120", "    max: lots", "sample.yml:10: question 'age': 'max' must be a whole number"),
        (
            "    outcome: likely_eligible",
            "    outcome: eligible",
            "sample.yml:24: rule 2: outcome must be one of",
        ),
        (
            "checked: 2026-11-01\nquestions",
            "checked: yesterday\nquestions",
            "sample.yml:5: the file: checked 'yesterday' is not a date",
        ),
        # a gap: some answers reach no rule
        (
            '  - when: {any: [{age: dont_know}, {alone: "no"}, {alone: dont_know}]}',
            "  - when: {any: [{age: dont_know}, {alone: dont_know}]}",
            "no rule decides when age=60, alone=no",
        ),
        # a typo in a key name
        ("    label: t_label_alone", "    labels: t_label_alone", "sample.yml:16: unknown key 'labels'"),
        # not YAML
        ("questions:\n", "questions: [\n", "sample.yml:"),
    ],
)
def test_each_problem_names_file_and_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in CLEAN
    found = problems(project(tmp_path, CLEAN.replace(old, new, 1)))
    assert any(expected in p for p in found), found


def test_a_missing_translation_names_the_line_and_the_locale(tmp_path: Path) -> None:
    found = problems(project(tmp_path, CLEAN, missing_in="ary_Latn"))
    assert found == [
        "data/eligibility/sample.yml:38: no translation for 't_apply' in 'ary_Latn' (locales/ary_Latn/LC_MESSAGES/eligibility.po)"
    ]


def test_a_question_no_rule_needs_is_reported(tmp_path: Path) -> None:
    extra = CLEAN.replace(
        "rules:\n",
        "  - slot: city_size\n    type: count\n    text: t_q_age\n    label: t_label_age\nrules:\n",
    )
    assert any("question 'city_size' is never needed" in p for p in problems(project(tmp_path, extra)))


def test_broken_files_raise_one_error_listing_every_problem(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        CLEAN.replace("center_type: elderly", "center_type: mall").replace("reason: t_r_alone", "reason: 42"),
    )
    with pytest.raises(EligibilityError) as error:
        load_programmes(root / "data" / "eligibility", root)
    assert len(error.value.problems) == 2
    with pytest.raises(EligibilityError):
        validate_eligibility(root)


def test_the_project_eligibility_files_are_clean() -> None:
    assert check_directory() == []


def test_make_validate_reports_eligibility_problems_with_file_and_line(tmp_path: Path) -> None:
    """bot.checks runs the eligibility validator: a broken file shows up as ``file:line`` problems."""
    root = project(tmp_path, CLEAN.replace("  - when: {age: {lt: 60}}", "  - when: {}"))
    for folder in ("centers", "services", "gazetteer", "safety"):
        (root / "data" / folder).symlink_to(ROOT / "data" / folder)
    found = [p for p in check_files(root) if "eligibility" in p.file]
    assert [(p.file, p.line) for p in found] == [
        ("data/eligibility/sample.yml", 23),
        ("data/eligibility/sample.yml", 28),
    ]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ('{"yes": t_label_alone}', "sample.yml:17: question 'alone': 'said' lacks no"),
        ('{"yes": t_label_alone, "no": t_label_alone, "maybe": t_label_alone}', "unknown key 'maybe'"),
        ('{"yes": t_label_alone, "no": 42}', "question 'alone' said: 'no' must be a message key"),
    ],
)
def test_the_statement_of_each_answer_is_checked(tmp_path: Path, said: str, expected: str) -> None:
    """Every answer the check may take from the messages must be said back as a fact."""
    text = CLEAN.replace("    label: t_label_alone\n", f"    label: t_label_alone\n    said: {said}\n", 1)
    found = problems(project(tmp_path, text))
    assert any(expected in p for p in found), found


def test_a_complete_statement_is_clean_and_read(tmp_path: Path) -> None:
    text = CLEAN.replace(
        "    label: t_label_alone\n",
        '    label: t_label_alone\n    said: {"yes": t_q_alone, "no": t_label_alone}\n',
        1,
    ).replace("    label: t_label_age\n", "    label: t_label_age\n    said: t_q_age\n", 1)
    root = project(tmp_path, text)
    assert problems(root) == []
    (programme,) = load_programmes(root / "data" / "eligibility", root).values()
    alone, age = programme.question("alone"), programme.question("age")
    assert (alone.said_key("yes"), alone.said_key("no"), alone.said_key("dont_know")) == (
        "t_q_alone",
        "t_label_alone",
        None,
    )
    assert (age.said_key(77), age.said_key(0)) == ("t_q_age", "t_q_age")
