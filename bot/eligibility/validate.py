"""Whole-file checks of the eligibility rules: unreachable rules, answers no rule decides, questions
never needed, and message keys missing in a locale. Each problem is ``file:line: text``.

Run by ``make validate`` (through ``bot.checks``) and on its own: ``python -m bot.eligibility.validate``.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any, Iterable

from bot.eligibility.conditions import SKIPPED, evaluate, slots_of, tests_of
from bot.eligibility.loader import ELIGIBILITY_DIR, EligibilityError, read_programme
from bot.eligibility.model import Programme, Question
from bot.i18n.catalogs import LOCALES, LOCALES_DIR, message_keys

MAX_COMBINATIONS = 200_000


def _candidate_values(question: Question, thresholds: Iterable[int]) -> list[Any]:
    """Answers that exercise every branch: closed answers, or numbers around each threshold."""
    values: list[Any] = list(question.allowed_values())
    if question.type in ("number", "count"):
        numbers = {question.minimum}
        if question.maximum is not None:
            numbers.add(question.maximum)
        for t in thresholds:
            numbers.update({t - 1, t, t + 1})
        upper = question.maximum if question.maximum is not None else max(numbers)
        values += sorted(n for n in numbers if question.minimum <= n <= upper)
    if question.ask_if:
        values.append(SKIPPED)
    return values


def _thresholds(programme: Programme, slot: str) -> list[int]:
    conditions = [r.when for r in programme.rules] + [a.when for a in programme.advice]
    found: list[int] = []
    for condition in conditions:
        for s, test in tests_of(condition):
            if s != slot:
                continue
            tests = test.values() if isinstance(test, dict) else [test]
            for value in tests:
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, int) and not isinstance(v, bool):
                        found.append(v)
    return found


def rule_problems(programme: Programme) -> list[str]:
    """Rules that can never decide, and combinations of answers that no rule decides."""
    slots = []
    for rule in programme.rules:
        for slot in slots_of(rule.when):
            if slot not in slots:
                slots.append(slot)
    domains = [_candidate_values(programme.question(s), _thresholds(programme, s)) for s in slots]
    size = 1
    for domain in domains:
        size *= len(domain)
    if size > MAX_COMBINATIONS:
        return [f"{programme.path}:1: too many combinations of answers to check ({size}); split the rules"]
    reached: set[int] = set()
    gap: dict[str, Any] | None = None
    for combination in itertools.product(*domains):
        answers = dict(zip(slots, combination, strict=True))
        for index, rule in enumerate(programme.rules):
            if evaluate(rule.when, answers):
                reached.add(index)
                break
        else:
            gap = gap or answers
    problems = [
        f"{programme.path}:{rule.line}: rule {i + 1} is unreachable: earlier rules always decide first, "
        "or its conditions can never hold together"
        for i, rule in enumerate(programme.rules)
        if i not in reached
    ]
    if gap is not None:
        shown = ", ".join(f"{k}={v}" for k, v in gap.items())
        problems.append(
            f"{programme.path}:{programme.rules[-1].line}: no rule decides when {shown}: add a rule"
        )
    return problems


def unused_questions(programme: Programme) -> list[str]:
    """A question no rule, advice, estimate or other question needs would be asked for nothing."""
    used: set[str] = set()
    for condition in [r.when for r in programme.rules] + [a.when for a in programme.advice]:
        used.update(slots_of(condition))
    for question in programme.questions:
        used.update(slots_of(question.ask_if))
        used.update(question.max_sum_of)
    if programme.estimate:
        used.update(line.slot for line in programme.estimate.grid)
        used.update(programme.estimate.children)
    return [
        f"{programme.path}:{q.line}: question '{q.slot}' is never needed by a rule, advice or estimate"
        for q in programme.questions
        if q.slot not in used
    ]


def translation_problems(
    programme: Programme, file_lines: list[str], locales_dir: Path = LOCALES_DIR
) -> list[str]:
    """Every message key of the file is translated in each reply locale."""
    problems = []
    for locale in LOCALES:
        translated = message_keys(locale, locales_dir) or set()
        for key in sorted(programme.keys - translated):
            line = next((n for n, text in enumerate(file_lines, 1) if key in text), 0)
            problems.append(
                f"{programme.path}:{line}: no translation for '{key}' in '{locale}' (locales/{locale}/LC_MESSAGES/eligibility.po)"
            )
    return problems


def check_directory(
    directory: Path = ELIGIBILITY_DIR, root: Path | None = None, locales_dir: Path = LOCALES_DIR
) -> list[str]:
    """Every problem of every eligibility file."""
    root = root or directory.parents[1]
    problems: list[str] = []
    files = sorted(directory.glob("*.yml"))
    if not files:
        return [f"{directory}:0: no eligibility file"]
    for path in files:
        programme, found = read_programme(path, root)
        problems.extend(found)
        if programme is None:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        problems += rule_problems(programme) + unused_questions(programme)
        problems += translation_problems(programme, lines, locales_dir)
        if not any(r.outcome for r in programme.rules):
            problems.append(f"{programme.path}:1: no rule")
    return problems


def validate_eligibility(root: Path) -> None:
    """Raises ``EligibilityError`` with every problem (used by ``bot.checks``)."""
    problems = check_directory(root / "data" / "eligibility", root, root / "locales")
    if problems:
        raise EligibilityError(problems)


def main() -> None:
    problems = check_directory()
    for problem in problems:
        print(problem)
    print(f"eligibility rules: {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
