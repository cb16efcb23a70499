"""Where a review item came from, in general terms only: the variety it was written in and roughly when.

An editor needs the language to choose the training block, and a rough age to know whether a gap is
current; nothing more. No conversation id, hash, exact time or channel is shown, so an editor
cannot tell two items of the same citizen apart from two citizens, nor match an item with a
conversation a caseworker handled.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.review.grouping import variety_of

#: Rough ages shown on the review page.
PERIODS = ("this_month", "last_month", "earlier")


@dataclass(frozen=True)
class Origin:
    """The variety (``""`` when not detected) and one of :data:`PERIODS`."""

    variety: str
    period: str


def period_of(said_at: float, now: float | None = None) -> str:
    """``this_month``, ``last_month`` or ``earlier``, by calendar month (UTC)."""
    said = datetime.fromtimestamp(said_at, timezone.utc)
    today = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
    months = (today.year - said.year) * 12 + today.month - said.month
    return PERIODS[min(max(months, 0), 2)]


def origin_of(item, now: float | None = None) -> Origin:
    """The general origin of one review item."""
    return Origin(variety_of(item.language, item.script), period_of(item.said_at, now))
