"""What one eligibility file describes, as typed, read-only objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

#: The answer "I don't know", valid for every question.
DONT_KNOW = "dont_know"
YES, NO = "yes", "no"
#: The ``said`` entry of a number or count question for any value without one of its own.
OTHER = "other"
QUESTION_TYPES = ("yes_no", "number", "count", "choice")
OUTCOMES = ("likely_eligible", "likely_not_eligible", "cannot_tell")


@dataclass(frozen=True)
class Option:
    """One closed answer of a ``choice`` question (shown as a button)."""

    value: str
    text: str


@dataclass(frozen=True)
class Question:
    """One thing the rules may need to know, asked with the message key ``text``."""

    slot: str
    type: str
    text: str
    label: str
    line: int = 0
    minimum: int = 0
    maximum: int | None = None
    options: tuple[Option, ...] = ()
    ask_if: Any = None
    max_sum_of: tuple[str, ...] = ()
    unit_words: tuple[str, ...] = ()
    #: How an answer taken from the citizen's messages is said back, as a statement rather than the
    #: question's label ("77 ans, sans soutien familial"): a message key per answer (``yes``, ``no``, an
    #: option, or for numbers ``0``/``1``/``other``), or one key for every number; ``{value}`` is the number.
    said: tuple[tuple[str, str], ...] = ()

    def said_key(self, value: Any) -> str | None:
        """The message key that states ``value`` as a fact, or ``None`` when the data gives none."""
        said = dict(self.said)
        if isinstance(value, bool) or not isinstance(value, int):
            return said.get(str(value))
        return said.get(str(value)) or said.get(OTHER)

    def allowed_values(self) -> tuple[str, ...]:
        """Closed answers (besides numbers) this question accepts."""
        if self.type == "yes_no":
            return (YES, NO, DONT_KNOW)
        if self.type == "choice":
            return (*(o.value for o in self.options), DONT_KNOW)
        return (DONT_KNOW,)


@dataclass(frozen=True)
class Rule:
    """Conditions (``when``) → an outcome explained by the message key ``reason``."""

    when: Mapping[str, Any]
    outcome: str
    reason: str
    source: str
    checked: str
    line: int = 0


@dataclass(frozen=True)
class Advice:
    """A hint added to the outcome when its conditions hold (e.g. "register at rsu.ma first")."""

    when: Mapping[str, Any]
    text: str
    source: str
    checked: str
    line: int = 0


@dataclass(frozen=True)
class GridLine:
    """Monthly amount per counted person, by year of the published grid."""

    slot: str
    amounts: Mapping[int, int]
    text: str


@dataclass(frozen=True)
class Estimate:
    """How to estimate a monthly amount from counts (direct social aid)."""

    text: str
    source: str
    checked: str
    household_minimum: int
    adults_only_flat: int
    children: tuple[str, ...]
    grid: tuple[GridLine, ...]


@dataclass(frozen=True)
class Fact:
    """A text (documents, where to apply) with its source."""

    text: str
    source: str
    checked: str


@dataclass(frozen=True)
class Programme:
    """One programme's questions, rules, documents and where to apply."""

    id: str
    title: str
    center_type: str
    source: str
    checked: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    documents: Fact
    apply: Fact
    advice: tuple[Advice, ...] = ()
    estimate: Estimate | None = None
    path: str = ""
    keys: frozenset[str] = field(default_factory=frozenset)

    def question(self, slot: str) -> Question | None:
        """The question that fills ``slot``."""
        return next((q for q in self.questions if q.slot == slot), None)
