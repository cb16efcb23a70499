"""Turns facts read from the citizen's messages into answers of one programme's questions.

Pure: only the facts that answer a question of the programme, with a value that question accepts
(a number within its bounds, "yes"/"no" for a yes/no question), become answers; the check then asks
only what is still missing.
"""

from __future__ import annotations

from typing import Any, Mapping

from bot.eligibility.answers import check_number
from bot.eligibility.model import NO, YES, Programme


def prefill_answers(programme: Programme, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The answers ``facts`` give to ``programme``'s questions, in question order."""
    answers: dict[str, Any] = {}
    for question in programme.questions:
        value = facts.get(question.slot)
        if value is None:
            continue
        if question.type == "yes_no" and value in (YES, NO):
            answers[question.slot] = value
        elif question.type in ("number", "count") and isinstance(value, int) and not isinstance(value, bool):
            if check_number(question, value, answers).kind == "answer":
                answers[question.slot] = value
        elif question.type == "choice" and value in {o.value for o in question.options}:
            answers[question.slot] = value
    return answers
