"""Every phone line, web address, amount, percentage and law number the assistant says is a sourced fact.

``data/facts/facts.yml`` holds the facts in the project's words, each with its sources and the day it was
checked, and under ``states`` the exact values a text may say. This check reads every text a citizen or a
caseworker can be sent (the Babel catalogues, the service sheets, the eligibility rules, the handoff
snippets), finds the values of those five kinds, and reports each one no fact holds, with its file and
line. It also reports a value a fact forbids (a discontinued line) and a data file that cites a fact id
that does not exist, or cites a facts sheet outside the project.

Finding a phone line in free text is a heuristic: long numbers always count; a short number (19, 2511)
counts when a word about calling or a line stands just before it. docs/content-guide.md ("Facts") says
how to add a fact when the check flags a new value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import yaml
from babel.messages.pofile import read_po

from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.check import Problem

FACTS_FILE = Path("data") / "facts" / "facts.yml"
#: Data folders whose string values are said to citizens or caseworkers.
DATA_FOLDERS = ("data/services", "data/eligibility", "data/handoff")
#: Data folders whose ``source`` fields must cite existing facts (their texts are not said to citizens).
CITING_FOLDERS = ("data/gazetteer",)
#: Keys whose values are not statements: search terms, ids, dates, intent names, citations.
NOT_STATEMENTS = {
    "source",
    "sources",
    "checked",
    "id",
    "keywords",
    "names",
    "intents",
    "topic",
    "slot",
    "when",
}
#: Eligibility fields that hold amounts in dirhams.
AMOUNT_FIELDS = {"household_minimum", "adults_only_flat", "amounts"}
STATUSES = {"verified", "uncertain"}

_URL = re.compile(
    r"(?<![\w@.])(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+(?:ma|org|com|net|int|fr)\b(?:/[\w\-./%]*)?)",
    re.IGNORECASE,
)
_LAW = re.compile(r"(?<![\d.\-/])(\d{2,3}[-.]\d{2}|\d\.\d{2}\.\d{3,4})(?![\d\-]|\.\d)")
#: A law number has one spelling: 103-13, not 103.13 (a decree such as 2.22.1075 keeps its dots).
_DOTTED_LAW = re.compile(r"^\d{2,3}\.\d{2}$")
_PERCENT = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)?)\s?(?:%|٪|pour ?cent|في الما?ئة)", re.IGNORECASE)
_AMOUNT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:[ \u00a0\u202f.,]\d{3})*|\d+)\s?(?:DH|MAD|dirhams?|درهم|دراهم|درهما|drahem)\b",
    re.IGNORECASE,
)
_LONG_NUMBER = re.compile(r"(?<![\w.])(?:\+|00)?\d(?:[ .\-]?\d){7,}(?![\w])")
_SHORT_NUMBER = re.compile(
    r"(?<![\w.,:/\-+])(\d{2,5})"
    r"(?![\w:/%]|[.,]\d|\s?(?:DH|MAD|%|km|كلم|chiffres|digits|أرقام|ar9am|ans?\b|سنة|عام|3am|jours|يوم|lits|سرير))"
)
_CALL_WORDS = re.compile(
    r"appel|call|ligne|line\b|numéro|police|gendarmerie|protection civile|samu|"
    r"اتصل|الرقم|الخط|عيط|البوليس|الشرطة|الدرك|الوقاية|"
    r"lkhat|3ayet|3iyet|3iyti|3ayto|lbolis|ddarak|jadarmiya|wi9aya",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(19|20)\d\d$")
_YEAR_RANGE = re.compile(r"(19|20)\d\d\s?[-–]\s?(19|20)\d\d")


@dataclass
class Facts:
    """The loaded facts: ids and the normalised values texts may state, or must never state."""

    ids: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)


def normalise(kind: str, value: str) -> str:
    """One spelling per value: phone digits only, '7 %', '500 DH', lower-case addresses without '/' at the end."""
    value = strip_bidi_marks(value).strip()
    if kind == "phone":
        return re.sub(r"\D", "", value.replace("+", "00"))
    if kind == "percent":
        return f"{value.replace(',', '.')} %"
    if kind == "amount":
        return f"{re.sub(r'[^0-9]', '', value)} DH"
    if kind == "url":
        value = value.lower().rstrip(".,;:)")
        return re.sub(r"^(?:https?://)?(?:www\.)?", "", value).rstrip("/")
    return value


def _value_kinds(value: str) -> Iterator[tuple[str, str]]:
    """Every (kind, normalised value) a ``states`` entry can stand for."""
    yield "raw", value
    if _URL.fullmatch(value.strip()):
        yield "url", normalise("url", value)
    if re.fullmatch(r"[+\d][\d .\-]*", value.strip()):
        yield "phone", normalise("phone", value)
    for match in _PERCENT.finditer(value):
        yield "percent", normalise("percent", match.group(1))
    for match in _AMOUNT.finditer(value):
        yield "amount", normalise("amount", match.group(1))


def load_facts(root: Path) -> tuple[Facts, list[Problem]]:
    """Reads the facts file; every fact needs an id, a text, sources, a checked date and a status."""
    path = root / FACTS_FILE
    rel = str(FACTS_FILE)
    facts, problems = Facts(), []
    if not path.exists():
        return facts, [Problem(rel, 0, "error", "the facts file is missing")]
    document = yaml.compose(path.read_text(encoding="utf-8"))
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lines = {}
    if document is not None:
        for key, value in document.value:
            if key.value == "facts":
                lines = {i: node.start_mark.line + 1 for i, node in enumerate(value.value)}
    for value in data.get("examples") or []:
        facts.states |= {normalised for _, normalised in _value_kinds(str(value))}
    for index, fact in enumerate(data.get("facts") or []):
        line = lines.get(index, 0)
        fact_id = str(fact.get("id") or "")
        missing = [f for f in ("id", "fact", "sources", "checked", "status") if not fact.get(f)]
        if missing:
            problems.append(Problem(rel, line, "error", f"fact '{fact_id}' lacks {', '.join(missing)}"))
        if fact_id in facts.ids:
            problems.append(Problem(rel, line, "error", f"fact id '{fact_id}' is used twice"))
        if fact.get("status") and fact["status"] not in STATUSES:
            problems.append(
                Problem(rel, line, "error", f"fact '{fact_id}': status must be verified or uncertain")
            )
        facts.ids.add(fact_id)
        for value in fact.get("states") or []:
            facts.states |= {normalised for _, normalised in _value_kinds(str(value))}
        for value in fact.get("forbidden") or []:
            facts.forbidden |= {normalised for kind, normalised in _value_kinds(str(value)) if kind != "raw"}
    return facts, problems


def stated_values(text: str) -> Iterator[tuple[str, str, str]]:
    """Every (kind, value as written, normalised value) of the five kinds in ``text``."""
    text = strip_bidi_marks(text)
    taken: list[tuple[int, int]] = []

    def free(match: re.Match) -> bool:
        start, end = match.span()
        return not any(start < e and s < end for s, e in taken)

    for kind, pattern in (("url", _URL), ("amount", _AMOUNT), ("percent", _PERCENT), ("law", _LAW)):
        for match in pattern.finditer(text):
            if free(match):
                taken.append(match.span())
                value = match.group(0) if kind == "url" else match.group(1)
                yield kind, match.group(0).strip(), normalise(kind, value)
    for match in _LONG_NUMBER.finditer(text):
        if free(match) and not _YEAR_RANGE.fullmatch(match.group(0)):
            taken.append(match.span())
            yield "phone", match.group(0), normalise("phone", match.group(0))
    for match in _SHORT_NUMBER.finditer(text):
        number = match.group(1)
        if (
            free(match)
            and not _YEAR.match(number)
            and _CALL_WORDS.search(text[max(0, match.start() - 30) : match.start()])
        ):
            yield "phone", number, normalise("phone", number)


def check_text(text: str, facts: Facts, file: str, line: int) -> list[Problem]:
    """The values of ``text`` that no fact holds, or that a fact forbids."""
    problems = []
    for kind, written, normalised in stated_values(text):
        if kind == "law" and _DOTTED_LAW.match(written):
            dashed = written.replace(".", "-")
            problems.append(Problem(file, line, "error", f"write the law number {written!r} as {dashed!r}"))
        elif normalised in facts.forbidden:
            problems.append(Problem(file, line, "error", f"states {written!r}, which a fact forbids"))
        elif normalised not in facts.states and written not in facts.states:
            problems.append(
                Problem(file, line, "error",
                        f"states the {_KIND_NAMES[kind]} {written!r}, which {FACTS_FILE} does not hold: "
                        f"add it to a fact's 'states' with its source, or remove it")
            )  # fmt: skip
    return problems


_KIND_NAMES = {
    "url": "web address", "amount": "amount", "percent": "percentage", "law": "law number", "phone": "phone number",
}  # fmt: skip


def _catalogue_texts(root: Path) -> Iterator[tuple[str, int, str]]:
    for po in sorted((root / "locales").glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and isinstance(message.string, str) and message.string:
                yield str(po.relative_to(root)), message.lineno, message.string


def _yaml_texts(node: yaml.Node, key: str = "") -> Iterator[tuple[str, int, str]]:
    """(key, line, value) of every string scalar under ``node``, numbers of amount fields as 'N DH'."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield from _yaml_texts(value_node, str(key_node.value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yaml_texts(item, key)
    elif isinstance(node, yaml.ScalarNode):
        yield key, node.start_mark.line + 1, str(node.value)


def _data_texts(root: Path, folders: tuple[str, ...] = DATA_FOLDERS) -> Iterator[tuple[str, int, str, str]]:
    for folder in folders:
        for path in sorted((root / folder).glob("*.yml")):
            document = yaml.compose(path.read_text(encoding="utf-8"))
            if document is not None:
                for key, line, value in _yaml_texts(document):
                    yield str(path.relative_to(root)), line, key, value


def _amount_problems(file: str, line: int, key: str, value: str, facts: Facts) -> list[Problem]:
    if key not in AMOUNT_FIELDS and not re.fullmatch(r"\d{4}", key):
        return []
    if not value.isdigit() or f"{value} DH" in facts.states:
        return []
    return [Problem(file, line, "error", f"amount {value} DH in '{key}' is not held by {FACTS_FILE}")]


def _citation_problems(file: str, line: int, value: str, facts: Facts) -> list[Problem]:
    if "domain-facts" in value:
        return [
            Problem(file, line, "error", f"cites a facts sheet outside the project: cite {FACTS_FILE} ids")
        ]
    match = re.match(r"\s*facts:\s*([a-z0-9_]+(?:\s*,\s*[a-z0-9_]+)*)", value)
    if not match:
        return []
    cited = [part.strip() for part in match.group(1).split(",")]
    return [
        Problem(file, line, "error", f"cites fact '{fact_id}', which {FACTS_FILE} does not have")
        for fact_id in cited
        if fact_id not in facts.ids
    ]


def check_facts(root: Path) -> list[Problem]:
    """Every stated value in the catalogues and data files is held by a fact; every citation exists."""
    facts, problems = load_facts(root)
    for file, line, text in _catalogue_texts(root):
        problems += check_text(text, facts, file, line)
    for file, line, key, value in _data_texts(root):
        if key in ("source", "sources"):
            problems += _citation_problems(file, line, value, facts)
        elif key in AMOUNT_FIELDS or re.fullmatch(r"\d{4}", key):
            problems += _amount_problems(file, line, key, value, facts)
        elif key not in NOT_STATEMENTS:
            problems += check_text(value, facts, file, line)
    for file, line, key, value in _data_texts(root, CITING_FOLDERS):
        if key in ("source", "sources"):
            problems += _citation_problems(file, line, value, facts)
    return problems
