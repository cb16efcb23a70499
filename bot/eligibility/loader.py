"""Reads ``data/eligibility/*.yml`` into ``Programme`` objects, naming the file and LINE of each problem.

Structure and types are checked here (unknown keys, unknown slots, bad values, missing source or
``checked`` date); ``validate`` adds the checks that need the whole file (unreachable rules, gaps,
translations). Content teams run both through ``make validate``.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from bot.content_errors import ContentError
from bot.eligibility.conditions import OPERATORS
from bot.eligibility.model import (
    DONT_KNOW,
    NO,
    OTHER,
    OUTCOMES,
    QUESTION_TYPES,
    YES,
    Advice,
    Estimate,
    Fact,
    GridLine,
    Option,
    Programme,
    Question,
    Rule,
)  # fmt: skip
from bot.settings import ROOT

ELIGIBILITY_DIR = ROOT / "data" / "eligibility"
CENTER_TYPES = ("women", "violence_unit", "elderly", "disability", "children", "homeless", "general")
TOP_KEYS = {"programme", "title", "center_type", "source", "checked", "questions", "rules", "advice",
            "documents", "apply", "estimate"}  # fmt: skip
QUESTION_KEYS = {
    "slot",
    "type",
    "text",
    "label",
    "min",
    "max",
    "options",
    "ask_if",
    "max_sum_of",
    "unit_words",
    "said",
}
RULE_KEYS = {"when", "outcome", "reason", "source", "checked"}
ADVICE_KEYS = {"when", "text", "source", "checked"}
FACT_KEYS = {"text", "source", "checked"}
ESTIMATE_KEYS = {"text", "source", "checked", "household_minimum", "adults_only_flat", "children", "grid"}
DEFAULT_COUNT_MAX = 20
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


class EligibilityError(ContentError):
    """Problems in the eligibility files, each as ``file:line: text``."""


def plain(node: Any) -> Any:
    """ruamel's commented nodes → plain dicts, lists, str, int, bool (dates as ISO strings)."""
    if isinstance(node, Mapping):
        return {plain(k): plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, date):
        return node.isoformat()
    return str(node) if node is not None else None


def line_of(node: Any, key: Any = None) -> int:
    """1-based line of ``node`` (or of ``key`` inside it); 0 when unknown."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 0
    try:
        if key is None:
            return lc.line + 1
        if isinstance(node, Mapping):
            return lc.key(key)[0] + 1
        return lc.item(key)[0] + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return lc.line + 1


class _Reader:
    """Collects ``file:line: text`` problems while building one programme."""

    def __init__(self, path: Path, rel: str) -> None:
        self.path = path
        self.rel = rel
        self.problems: list[str] = []
        self.keys: set[str] = set()

    def problem(self, line: int, text: str) -> None:
        self.problems.append(f"{self.rel}:{line}: {text}")

    def mapping(self, node: Any, allowed: set[str], where: str, line: int) -> bool:
        if not isinstance(node, Mapping):
            self.problem(line, f"{where} must be a mapping")
            return False
        for key in node:
            if key not in allowed:
                self.problem(
                    line_of(node, key),
                    f"unknown key '{key}' in {where} (allowed: {', '.join(sorted(allowed))})",
                )
        return True

    def key(self, node: Mapping, name: str, where: str) -> str:
        """A message key (translated in locales/*/eligibility.po)."""
        value = node.get(name)
        if not isinstance(value, str) or not _IDENTIFIER.match(value):
            self.problem(
                line_of(node, name) if name in node else line_of(node),
                f"{where}: '{name}' must be a message key",
            )
            return ""
        self.keys.add(value)
        return value

    def sourced(self, node: Mapping, where: str) -> tuple[str, str]:
        """Every fact carries a ``source`` and a ``checked`` date (not in the future)."""
        source = node.get("source")
        if not isinstance(source, str) or not source.strip():
            self.problem(line_of(node), f"{where}: missing source")
            source = ""
        checked = plain(node.get("checked"))
        if not checked:
            self.problem(line_of(node), f"{where}: missing checked date")
            checked = ""
        else:
            try:
                if date.fromisoformat(str(checked)) > date.today():
                    self.problem(
                        line_of(node, "checked"), f"{where}: checked date {checked} is in the future"
                    )
            except ValueError:
                self.problem(
                    line_of(node, "checked"), f"{where}: checked '{checked}' is not a date (YYYY-MM-DD)"
                )
        return str(source), str(checked)

    def integer(self, node: Mapping, name: str, where: str, default: int | None = None) -> int | None:
        value = node.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(line_of(node, name), f"{where}: '{name}' must be a whole number, not {value!r}")
            return default
        return int(value)


def _read_question(
    r: _Reader, node: Any, index: int, seen: dict[str, Question], line: int
) -> Question | None:
    where = f"question {index + 1}"
    if not r.mapping(node, QUESTION_KEYS, where, line):
        return None
    slot = node.get("slot")
    if not isinstance(slot, str) or not _IDENTIFIER.match(slot) or slot == "any":
        r.problem(line, f"{where}: 'slot' must be a lower-case name (not 'any'), not {slot!r}")
        return None
    if slot in seen:
        r.problem(line, f"{where}: slot '{slot}' is asked twice")
        return None
    where = f"question '{slot}'"
    kind = node.get("type")
    if kind not in QUESTION_TYPES:
        r.problem(
            line_of(node, "type") if "type" in node else line,
            f"{where}: type must be one of {', '.join(QUESTION_TYPES)}, not {kind!r}",
        )
        return None
    text, label = r.key(node, "text", where), r.key(node, "label", where)
    minimum = r.integer(node, "min", where, 0) or 0
    maximum = r.integer(node, "max", where, DEFAULT_COUNT_MAX if kind == "count" else None)
    if kind == "number" and maximum is None:
        r.problem(line, f"{where}: a number question needs 'max' (an answer such as 250 must be refused)")
    if maximum is not None and maximum <= minimum:
        r.problem(line_of(node, "max"), f"{where}: max {maximum} must be above min {minimum}")
    if kind == "count" and minimum < 0:
        r.problem(line_of(node, "min"), f"{where}: a count cannot be negative")
    options: list[Option] = []
    if kind == "choice":
        raw = node.get("options")
        if not isinstance(raw, list) or len(raw) < 2:
            r.problem(
                line_of(node, "options") if "options" in node else line,
                f"{where}: a choice needs at least 2 options",
            )
        else:
            for i, option in enumerate(raw):
                oline = line_of(raw, i)
                if not r.mapping(option, {"value", "text"}, f"{where} option {i + 1}", oline):
                    continue
                value = option.get("value")
                if not isinstance(value, str) or not _IDENTIFIER.match(value) or value == DONT_KNOW:
                    r.problem(
                        oline,
                        f"{where}: option value must be a lower-case name (not '{DONT_KNOW}'), not {value!r}",
                    )
                    continue
                options.append(Option(value, r.key(option, "text", f"{where} option '{value}'")))
    elif "options" in node:
        r.problem(line_of(node, "options"), f"{where}: only a choice question has options")
    question = Question(
        slot=slot, type=kind, text=text, label=label, line=line, minimum=minimum, maximum=maximum,
        options=tuple(options), ask_if=plain(node.get("ask_if")),
        max_sum_of=tuple(plain(node.get("max_sum_of") or ())),
        unit_words=tuple(str(w).lower() for w in plain(node.get("unit_words") or ())),
        said=_read_said(r, node, kind, options, where),
    )  # fmt: skip
    if question.ask_if is not None:
        _check_condition(r, node["ask_if"], question.ask_if, seen, f"{where} ask_if", line_of(node, "ask_if"))
    for other in question.max_sum_of:
        if other not in seen and other != slot:
            r.problem(
                line_of(node, "max_sum_of"),
                f"{where}: max_sum_of names '{other}', which is not an earlier question",
            )
    if question.max_sum_of and kind != "count":
        r.problem(line_of(node, "max_sum_of"), f"{where}: max_sum_of only applies to a count")
    return question


def _read_said(
    r: _Reader, node: Mapping, kind: str, options: list[Option], where: str
) -> tuple[tuple[str, str], ...]:
    """How each answer is stated back: one key per answer, or one ``{value}`` key for every number."""
    if "said" not in node:
        return ()
    raw = node["said"]
    numeric = kind in ("number", "count")
    if numeric and isinstance(raw, str):
        return ((OTHER, r.key(node, "said", where)),)
    if kind == "yes_no":
        answers = {YES, NO, DONT_KNOW}
    elif kind == "choice":
        answers = {o.value for o in options} | {DONT_KNOW}
    else:
        answers = {"0", "1", OTHER, DONT_KNOW}
    if not r.mapping(raw, answers, f"{where} said", line_of(node, "said")):
        return ()
    needed = answers - {DONT_KNOW} - ({"0", "1"} if numeric else set())
    missing = sorted(needed - {str(k) for k in raw})
    if missing:
        r.problem(line_of(node, "said"), f"{where}: 'said' lacks {', '.join(missing)}")
    return tuple((str(answer), r.key(raw, answer, f"{where} said")) for answer in raw)


def _check_test(r: _Reader, question: Question, test: Any, where: str, line: int) -> None:
    """The values a test compares with must be answers the question can get."""

    def value_ok(value: Any) -> bool:
        if value == DONT_KNOW:
            return True
        if question.type in ("number", "count"):
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, str) and value in question.allowed_values()

    if isinstance(test, Mapping):
        for name, expected in test.items():
            if name not in OPERATORS:
                r.problem(line, f"{where}: unknown operator '{name}' (use {', '.join(OPERATORS)})")
            elif name == "in":
                if not isinstance(expected, list) or not all(value_ok(v) for v in expected):
                    r.problem(
                        line, f"{where}: 'in' needs a list of answers of '{question.slot}', not {expected!r}"
                    )
            elif name in ("lt", "le", "gt", "ge") and (
                question.type not in ("number", "count") or not value_ok(expected) or expected == DONT_KNOW
            ):
                r.problem(
                    line,
                    f"{where}: '{name}' compares numbers; '{question.slot}' is {question.type}, value {expected!r}",
                )
            elif not value_ok(expected):
                r.problem(
                    line, f"{where}: {expected!r} is not an answer of '{question.slot}' ({question.type})"
                )
    elif not value_ok(test):
        allowed = (
            ", ".join(question.allowed_values())
            if question.type in ("yes_no", "choice")
            else "a whole number or dont_know"
        )
        r.problem(line, f"{where}: {test!r} is not an answer of '{question.slot}' (expected {allowed})")


def _check_condition(
    r: _Reader, node: Any, condition: Any, questions: Mapping[str, Question], where: str, line: int
) -> None:
    if not isinstance(condition, Mapping):
        r.problem(line, f"{where}: a condition is a mapping slot → answer")
        return
    if "any" in condition:
        parts = condition["any"]
        if len(condition) != 1 or not isinstance(parts, list) or not parts:
            r.problem(line, f"{where}: 'any' takes a non-empty list of conditions and nothing beside it")
            return
        for i, part in enumerate(parts):
            sub = node["any"][i] if isinstance(node, Mapping) else None
            _check_condition(
                r, sub, part, questions, where, line_of(node["any"], i) if isinstance(node, Mapping) else line
            )
        return
    for slot, test in condition.items():
        sline = line_of(node, slot) if isinstance(node, Mapping) else line
        question = questions.get(slot)
        if question is None:
            r.problem(sline, f"{where}: unknown slot '{slot}' (questions: {', '.join(questions) or 'none'})")
            continue
        _check_test(r, question, test, f"{where}", sline)


def _read_fact(r: _Reader, data: Mapping, name: str) -> Fact:
    node = data.get(name)
    if not r.mapping(node, FACT_KEYS, f"'{name}'", line_of(data, name) if name in data else 1):
        return Fact("", "", "")
    text = r.key(node, "text", f"'{name}'")
    source, checked = r.sourced(node, f"'{name}'")
    return Fact(text, source, checked)


def _read_estimate(r: _Reader, node: Any, questions: Mapping[str, Question], line: int) -> Estimate | None:
    if not r.mapping(node, ESTIMATE_KEYS, "'estimate'", line):
        return None
    text = r.key(node, "text", "'estimate'")
    source, checked = r.sourced(node, "'estimate'")
    grid: list[GridLine] = []
    raw = node.get("grid")
    if not isinstance(raw, list) or not raw:
        r.problem(line, "'estimate': 'grid' must list the amounts per counted slot")
        raw = []
    for i, item in enumerate(raw):
        gline = line_of(raw, i)
        if not r.mapping(item, {"slot", "amounts", "text"}, f"estimate line {i + 1}", gline):
            continue
        slot = item.get("slot")
        if slot not in questions or questions[slot].type != "count":
            r.problem(gline, f"estimate line {i + 1}: unknown count slot '{slot}'")
            continue
        amounts = plain(item.get("amounts"))
        if (
            not isinstance(amounts, dict)
            or not amounts
            or not all(
                isinstance(y, int)
                and 2000 <= y <= 2100
                and isinstance(a, int)
                and not isinstance(a, bool)
                and a >= 0
                for y, a in amounts.items()
            )
        ):
            r.problem(
                line_of(item, "amounts"),
                f"estimate line '{slot}': amounts must map years to whole DH amounts, not {amounts!r}",
            )
            continue
        grid.append(GridLine(slot, amounts, r.key(item, "text", f"estimate line '{slot}'")))
    children = tuple(plain(node.get("children") or ()))
    for slot in children:
        if slot not in questions:
            r.problem(line_of(node, "children"), f"'estimate': children names unknown slot '{slot}'")
    minimum = r.integer(node, "household_minimum", "'estimate'", 0) or 0
    flat = r.integer(node, "adults_only_flat", "'estimate'", 0) or 0
    return Estimate(text, source, checked, minimum, flat, children, tuple(grid))


def read_programme(path: Path, root: Path | None = None) -> tuple[Programme | None, list[str]]:
    """One file → its programme (``None`` when broken) and every problem found."""
    rel = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
    r = _Reader(path, rel)
    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return None, [f"{rel}:{(mark.line + 1) if mark else 0}: not valid YAML: {error.problem or error}"]
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"{rel}:0: cannot read: {error}"]
    if not r.mapping(data, TOP_KEYS, "the file", 1):
        return None, r.problems
    if data.get("programme") != path.stem:
        r.problem(
            line_of(data, "programme") if "programme" in data else 1,
            f"programme '{data.get('programme')}' must equal the file name '{path.stem}'",
        )
    title = r.key(data, "title", "the file")
    if data.get("center_type") not in CENTER_TYPES:
        r.problem(
            line_of(data, "center_type") if "center_type" in data else 1,
            f"center_type must be one of {', '.join(CENTER_TYPES)}",
        )
    source, checked = r.sourced(data, "the file")
    questions: dict[str, Question] = {}
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        r.problem(
            line_of(data, "questions") if "questions" in data else 1, "'questions' must be a non-empty list"
        )
        raw_questions = []
    for i, node in enumerate(raw_questions):
        question = _read_question(r, node, i, questions, line_of(raw_questions, i))
        if question:
            questions[question.slot] = question
    rules: list[Rule] = []
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        r.problem(line_of(data, "rules") if "rules" in data else 1, "'rules' must be a non-empty list")
        raw_rules = []
    for i, node in enumerate(raw_rules):
        rline = line_of(raw_rules, i)
        if not r.mapping(node, RULE_KEYS, f"rule {i + 1}", rline):
            continue
        if node.get("outcome") not in OUTCOMES:
            r.problem(
                line_of(node, "outcome") if "outcome" in node else rline,
                f"rule {i + 1}: outcome must be one of {', '.join(OUTCOMES)}",
            )
        when = plain(node.get("when")) or {}
        if "when" in node:
            _check_condition(r, node["when"], when, questions, f"rule {i + 1}", line_of(node, "when"))
        reason = r.key(node, "reason", f"rule {i + 1}")
        rsource, rchecked = r.sourced(node, f"rule {i + 1}")
        rules.append(Rule(when, str(node.get("outcome")), reason, rsource, rchecked, rline))
    advice: list[Advice] = []
    raw_advice = data.get("advice") or []
    for i, node in enumerate(raw_advice if isinstance(raw_advice, list) else []):
        aline = line_of(raw_advice, i)
        if not r.mapping(node, ADVICE_KEYS, f"advice {i + 1}", aline):
            continue
        when = plain(node.get("when")) or {}
        _check_condition(
            r,
            node.get("when"),
            when,
            questions,
            f"advice {i + 1}",
            line_of(node, "when") if "when" in node else aline,
        )
        text = r.key(node, "text", f"advice {i + 1}")
        asource, achecked = r.sourced(node, f"advice {i + 1}")
        advice.append(Advice(when, text, asource, achecked, aline))
    documents, apply = _read_fact(r, data, "documents"), _read_fact(r, data, "apply")
    estimate = None
    if "estimate" in data:
        estimate = _read_estimate(r, data["estimate"], questions, line_of(data, "estimate"))
    for question in questions.values():
        for option in question.options:
            r.keys.add(option.text)
    if r.problems:
        return None, r.problems
    programme = Programme(
        id=path.stem, title=title, center_type=str(data["center_type"]), source=source, checked=checked,
        questions=tuple(questions.values()), rules=tuple(rules), documents=documents, apply=apply,
        advice=tuple(advice), estimate=estimate, path=rel, keys=frozenset(r.keys),
    )  # fmt: skip
    return programme, []


def load_programmes(directory: Path = ELIGIBILITY_DIR, root: Path | None = None) -> dict[str, Programme]:
    """Every programme of the folder; ``EligibilityError`` lists all problems of all files."""
    problems: list[str] = []
    programmes: dict[str, Programme] = {}
    for path in sorted(directory.glob("*.yml")):
        programme, found = read_programme(path, root)
        problems.extend(found)
        if programme:
            programmes[programme.id] = programme
    if not programmes and not problems:
        problems.append(f"{directory}:0: no eligibility file")
    if problems:
        raise EligibilityError(problems)
    return programmes


@lru_cache(maxsize=1)
def default_programmes() -> dict[str, Programme]:
    """The project's programmes, loaded once per process."""
    return load_programmes(ELIGIBILITY_DIR, ROOT)
