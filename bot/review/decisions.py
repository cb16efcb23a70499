"""Editors' decisions on review items: accept into an intent, mark out of scope, or discard.

An accepted or out-of-scope item becomes a training example in ``data/nlu/review/`` in the item's
(or the chosen) variety. Decisions are conditional updates, so two editors deciding the same item
at once cannot both write it; every decision is audited (who, when, which item, never the text).
The console's review page (``bot/console/routes/review.py``) calls :func:`apply_decision`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from bot.review.grouping import variety_of
from bot.review.nlu_writer import ExampleConflict, append_example
from bot.review.store import ReviewStore
from bot.settings import ROOT

DECISIONS = {"accept": "accepted", "out_of_scope": "out_of_scope", "discard": "discarded"}
#: Decisions that write the text into the training data, so need "this text holds nothing personal".
WRITES_EXAMPLE = ("accept", "out_of_scope")


class AuditLog(Protocol):
    """Where decisions are audited (the console's audit log)."""

    def audit(
        self, staff_id: int | None, action: str, handoff_id: int | None = None, detail: str = ""
    ) -> None: ...


@dataclass
class Outcome:
    """How many items were decided, how many lacked a variety, and the intent an example clashed with."""

    done: int = 0
    no_variety: int = 0
    conflict: str = ""


def domain_intents(domain_file: Path = ROOT / "domain.yml") -> list[str]:
    """Intents an example may be accepted into: the domain's, without the console's EXTERNAL_ ones."""
    data = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    names = [next(iter(i)) if isinstance(i, dict) else str(i) for i in data.get("intents") or []]
    return sorted(n for n in names if not n.startswith("EXTERNAL_") and n != "nlu_fallback")


def apply_decision(
    audit_log: AuditLog,
    review: ReviewStore,
    staff_id: int,
    decision: str,
    ids: list[int],
    intent: str,
    variety: str,
) -> Outcome:
    """Decides each item (skipping those decided meanwhile), writes accepted examples, audits each."""
    outcome = Outcome()
    status = DECISIONS[decision]
    for item in review.get_many(ids):
        if item.status != "pending":
            continue
        chosen = variety or variety_of(item.language, item.script)
        if decision != "discard" and not chosen:
            outcome.no_variety += 1
            continue
        if not review.decide(item.id, status, staff_id, intent or None, chosen or None):
            continue  # another editor was first
        if decision != "discard":
            try:
                append_example(intent, chosen, item.text)
            except ExampleConflict as conflict:
                review.reopen(item.id)
                outcome.conflict = conflict.intent
                audit_log.audit(
                    staff_id, "review_conflict", None, f"item {item.id}: {intent} vs {conflict.intent}"
                )
                continue
        outcome.done += 1
        detail = f"item {item.id}" + (f": {intent}/{chosen}" if decision != "discard" else "")
        audit_log.audit(staff_id, f"review_{decision}", None, detail)
    return outcome
