"""Decides, from the answers so far, the next question or the outcome with its reasons and estimate.

Pure functions on a ``Programme`` and a dict ``slot → answer``: the conversation layer stores the answers
and asks what ``next_question`` returns, so only the questions that the rules still need are asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from bot.eligibility.conditions import SKIPPED, evaluate, slots_of
from bot.eligibility.model import Estimate, Programme, Question, Rule

DEFAULT_REASON = "elig_reason_default"


@dataclass(frozen=True)
class EstimateLine:
    """``count`` persons at ``unit`` DH a month, explained by the message key ``text``."""

    slot: str
    count: int
    unit: int
    text: str


@dataclass(frozen=True)
class AmountEstimate:
    """A monthly amount with its breakdown; ``None`` amount when an answer was "I don't know"."""

    amount: int | None
    year: int
    lines: tuple[EstimateLine, ...] = ()
    minimum_applied: bool = False
    adults_only: bool = False


@dataclass(frozen=True)
class Outcome:
    """The guidance: outcome, reasons (message keys), advice keys and an optional estimate."""

    outcome: str
    reasons: tuple[str, ...]
    advice: tuple[str, ...] = ()
    estimate: AmountEstimate | None = None
    rule: Rule | None = field(default=None, compare=False)


def effective_answers(programme: Programme, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers, plus ``SKIPPED`` for questions whose ``ask_if`` is false (they are never asked)."""
    known = {slot: value for slot, value in answers.items() if programme.question(slot)}
    changed = True
    while changed:
        changed = False
        for question in programme.questions:
            if question.slot not in known and question.ask_if and evaluate(question.ask_if, known) is False:
                known[question.slot] = SKIPPED
                changed = True
    return known


def _first_missing(programme: Programme, slots: set[str], answers: Mapping[str, Any]) -> Question | None:
    """The first question (file order) among ``slots`` not answered yet, or one its ``ask_if`` needs."""
    for question in programme.questions:
        if question.slot in slots and question.slot not in answers:
            if question.ask_if and evaluate(question.ask_if, answers) is None:
                inner = _first_missing(programme, set(slots_of(question.ask_if)), answers)
                if inner:
                    return inner
            return question
    return None


def deciding_rule(programme: Programme, answers: Mapping[str, Any]) -> tuple[Rule | None, set[str]]:
    """The first rule that holds (``None`` if none can), or the slots the first undecided rule needs."""
    for rule in programme.rules:
        result = evaluate(rule.when, answers)
        if result is True:
            return rule, set()
        if result is None:
            return None, {s for s in slots_of(rule.when) if s not in answers}
    return None, set()


def needed_slots(programme: Programme, answers: Mapping[str, Any]) -> set[str]:
    """Slots still needed: by the outcome first, then by the advice and the estimate."""
    _, missing = deciding_rule(programme, answers)
    if missing:
        return missing
    needed: set[str] = set()
    for advice in programme.advice:
        if evaluate(advice.when, answers) is None:
            needed.update(s for s in slots_of(advice.when) if s not in answers)
    if programme.estimate:
        needed.update(line.slot for line in programme.estimate.grid if line.slot not in answers)
    return needed


def next_question(programme: Programme, answers: Mapping[str, Any]) -> Question | None:
    """The one question to ask now, or ``None`` when the guidance can be given."""
    known = effective_answers(programme, answers)
    return _first_missing(programme, needed_slots(programme, known), known)


def grid_year(estimate: Estimate, today: date | None = None) -> int:
    """The latest year of the published grid that is not after ``today`` (the earliest if all are)."""
    years = sorted({year for line in estimate.grid for year in line.amounts})
    current = (today or date.today()).year
    past = [year for year in years if year <= current]
    return past[-1] if past else years[0]


def amount_in_year(amounts: Mapping[int, int], year: int) -> int:
    """The amount of the latest grid year not after ``year`` (the earliest one before the grid starts)."""
    past = [y for y in amounts if y <= year]
    return amounts[max(past)] if past else amounts[min(amounts)]


def estimate_amount(
    estimate: Estimate, answers: Mapping[str, Any], year: int | None = None
) -> AmountEstimate:
    """Monthly amount: sum of the grid lines, at least the household minimum; adults only: the flat amount."""
    year = year if year is not None else grid_year(estimate)
    lines = []
    for line in estimate.grid:
        count = answers.get(line.slot)
        if count == SKIPPED or count == 0:
            continue
        if not isinstance(count, int) or isinstance(count, bool):
            return AmountEstimate(amount=None, year=year)  # "I don't know", or not answered
        unit = amount_in_year(line.amounts, year)
        lines.append(EstimateLine(line.slot, count, unit, line.text))
    children = sum(answers.get(slot) for slot in estimate.children if isinstance(answers.get(slot), int))
    if children == 0:
        return AmountEstimate(amount=estimate.adults_only_flat, year=year, adults_only=True)
    total = sum(line.count * line.unit for line in lines)
    if total < estimate.household_minimum:
        return AmountEstimate(estimate.household_minimum, year, tuple(lines), minimum_applied=True)
    return AmountEstimate(total, year, tuple(lines))


def evaluate_programme(
    programme: Programme, answers: Mapping[str, Any], today: date | None = None
) -> Outcome:
    """The outcome for complete (or abandoned) answers; a rule not decidable yet gives "cannot tell"."""
    known = effective_answers(programme, answers)
    rule, _ = deciding_rule(programme, known)
    if rule is None:
        outcome, reasons = "cannot_tell", (DEFAULT_REASON,)
    else:
        outcome, reasons = rule.outcome, (rule.reason,)
    advice = tuple(a.text for a in programme.advice if evaluate(a.when, known) is True)
    estimate = None
    if programme.estimate:
        estimate = estimate_amount(programme.estimate, known, grid_year(programme.estimate, today))
    return Outcome(outcome, reasons, advice, estimate, rule)
