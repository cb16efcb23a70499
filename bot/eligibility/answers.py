"""Turns one citizen reply into an answer to the current question, a correction of an earlier answer,
a stop, or a reason to ask again. Pure: the caller gives the intent, entities and text of the message.

Numbers come as ``number`` entities (NumberResolver: digits in both scripts, words in every variety) or
are read from the text; yes/no come from the ``affirm``/``deny`` intents; "I don't know" from
``dont_know``; closed answers and "stop" from button payloads (``eligibility_value`` entity).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from rapidfuzz import fuzz

from bot.eligibility.model import DONT_KNOW, NO, YES, Programme, Question
from bot.text.normalization import normalize_text
from bot.text.numbers import parse_number

STOP = "stop"
#: Intents that end the check when they come instead of an answer.
STOP_INTENTS = frozenset({"goodbye"})
_NEGATIVE = re.compile(r"(?:^|[\s(:])[-−–]\s*[0-9٠-٩]|\b(?:moins|ناقص|na9es|n9es)\s+\S")
CHOICE_MATCH = 85


@dataclass(frozen=True)
class Reply:
    """What a message means for the form: ``answer``, ``correction``, ``stop`` or ``invalid``."""

    kind: str
    slot: str = ""
    value: Any = None
    error: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)


def _entity(entities: Iterable[Mapping[str, Any]], name: str) -> Any:
    return next((e.get("value") for e in entities if e.get("entity") == name), None)


def read_number(text: str, entities: Iterable[Mapping[str, Any]]) -> int | None:
    """The number of the message (``number`` entity first, then the text); negative numbers are kept."""
    value = _entity(entities, "number")
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif value is not None:
        number = parse_number(str(value))
    if number is None:
        number = parse_number(text or "")
    if (
        number is not None
        and number > 0
        and _NEGATIVE.search(normalize_text(text or "", arabizi_folding=False))
    ):
        return -number
    return number


def _has_word(text: str, words: Iterable[str]) -> bool:
    tokens = set(re.split(r"[\s,.;:!?؟،'’\-]+", normalize_text(text or "", arabizi_folding=False).lower()))
    return any(normalize_text(w, arabizi_folding=False).lower() in tokens for w in words)


def check_number(question: Question, value: int, answers: Mapping[str, Any]) -> Reply:
    """An answer within the question's bounds, or the reason to ask again."""
    if value < question.minimum:
        error = "elig_invalid_negative" if value < 0 else "elig_invalid_range"
        return Reply(
            "invalid", question.slot, value, error, {"min": question.minimum, "max": question.maximum}
        )
    if question.maximum is not None and value > question.maximum:
        return Reply(
            "invalid",
            question.slot,
            value,
            "elig_invalid_range",
            {"min": question.minimum, "max": question.maximum},
        )
    if question.max_sum_of:
        total = sum(
            v for s in question.max_sum_of if isinstance(v := answers.get(s), int) and not isinstance(v, bool)
        )
        if value > total:
            return Reply("invalid", question.slot, value, "elig_invalid_sum", {"total": total})
    return Reply("answer", question.slot, value)


def correction_target(
    programme: Programme, current: Question | None, text: str, answers: Mapping[str, Any]
) -> Question | None:
    """An earlier numeric answer the message corrects ("no, he is 70" after the age was given)."""
    answered = [
        q for q in programme.questions
        if q.type in ("number", "count") and q.slot in answers and (current is None or q.slot != current.slot)
    ]  # fmt: skip
    by_unit = [q for q in answered if q.unit_words and _has_word(text, q.unit_words)]
    if by_unit:
        return by_unit[0]
    if current is not None and current.type in ("number", "count"):
        return None  # a bare number answers the current question
    numbers = [q for q in answered if q.type == "number"]
    return numbers[0] if len(numbers) == 1 else None


def _choice(
    question: Question, text: str, option_labels: Mapping[str, Iterable[str]], number: int | None
) -> str | None:
    if number is not None and 1 <= number <= len(question.options):
        return question.options[number - 1].value
    normal = normalize_text(text or "", arabizi_folding=False).lower().strip()
    if not normal:
        return None
    best, best_score = None, 0.0
    for option in question.options:
        for label in option_labels.get(option.value, ()):
            score = fuzz.partial_ratio(normal, normalize_text(label, arabizi_folding=False).lower())
            if score > best_score:
                best, best_score = option.value, score
    return best if best_score >= CHOICE_MATCH else None


def interpret(
    programme: Programme,
    question: Question,
    answers: Mapping[str, Any],
    intent: str | None,
    entities: Iterable[Mapping[str, Any]],
    text: str,
    option_labels: Mapping[str, Iterable[str]] | None = None,
) -> Reply:
    """What the reply ``text`` (classified as ``intent`` with ``entities``) means for ``question``."""
    entities = list(entities or [])
    button = _entity(entities, "eligibility_value")
    if button == STOP or intent in STOP_INTENTS:
        return Reply("stop")
    if button == DONT_KNOW or intent == "dont_know":
        return Reply("answer", question.slot, DONT_KNOW)
    text = text or ""
    is_payload = text.startswith("/")
    number = (
        None
        if is_payload and _entity(entities, "number") is None
        else read_number("" if is_payload else text, entities)
    )
    if number is not None:
        target = correction_target(programme, question, text, answers)
        if target is not None:
            checked = check_number(target, number, answers)
            return Reply("correction", target.slot, number) if checked.kind == "answer" else checked
    if question.type == "yes_no":
        if button in (YES, NO):
            return Reply("answer", question.slot, button)
        if intent == "affirm":
            return Reply("answer", question.slot, YES)
        if intent == "deny":
            return Reply("answer", question.slot, NO)
        return Reply("invalid", question.slot, error="elig_invalid_yes_no")
    if question.type == "choice":
        values = {o.value for o in question.options}
        if button in values:
            return Reply("answer", question.slot, button)
        chosen = _choice(question, "" if is_payload else text, option_labels or {}, number)
        if chosen:
            return Reply("answer", question.slot, chosen)
        return Reply("invalid", question.slot, error="elig_invalid_choice")
    if number is None and intent == "deny" and question.type == "count":
        return Reply("answer", question.slot, 0)  # "no children" / "walou"
    if number is None:
        return Reply(
            "invalid",
            question.slot,
            error="elig_invalid_number",
            values={"min": question.minimum, "max": question.maximum},
        )
    return check_number(question, number, answers)
