"""Three-valued evaluation of rule conditions on partial answers: True, False or None (not known yet).

A condition is a mapping ``{slot: test, …}`` (all must hold) or ``{"any": [condition, …]}``. A test is
a value (equality) or a mapping of operators ``lt le gt ge eq ne in``. ``None`` means an answer the
condition needs is still missing, so the engine knows which question to ask next.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Iterator, Mapping

#: A question that was not asked because its ``ask_if`` is false: every test on it is false.
SKIPPED = "skipped"
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "eq": operator.eq, "ne": operator.ne, "in": lambda value, options: value in options,
}  # fmt: skip
ORDERING = frozenset({"lt", "le", "gt", "ge"})


def test_value(test: Any, value: Any) -> bool:
    """Whether one known answer passes one test (numbers compare only with numbers)."""
    if value == SKIPPED:
        return False
    if not isinstance(test, Mapping):
        return value == test
    for name, expected in test.items():
        if name in ORDERING and not (isinstance(value, int) and isinstance(expected, int)):
            return False
        if not OPERATORS[name](value, expected):
            return False
    return True


def evaluate(condition: Any, answers: Mapping[str, Any]) -> bool | None:
    """True / False, or None when an answer it depends on is missing."""
    if not condition:
        return True
    if "any" in condition:
        results = [evaluate(part, answers) for part in condition["any"]]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    unknown = False
    for slot, test in condition.items():
        if slot not in answers:
            unknown = True
        elif not test_value(test, answers[slot]):
            return False
    return None if unknown else True


def slots_of(condition: Any) -> Iterator[str]:
    """Every slot a condition mentions, in the order written."""
    if not condition:
        return
    if "any" in condition:
        for part in condition["any"]:
            yield from slots_of(part)
        return
    yield from condition


def tests_of(condition: Any) -> Iterator[tuple[str, Any]]:
    """Every (slot, test) pair of a condition."""
    if not condition:
        return
    if "any" in condition:
        for part in condition["any"]:
            yield from tests_of(part)
        return
    yield from condition.items()
