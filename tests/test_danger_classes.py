"""Every danger-class message of the development set (tests/data/danger_classes.yml) gets the
emergency numbers in the very first reply, through the real assistant on the REST channel.

The set covers the classes of survivor-support risk assessment (followed now, a weapon, threats,
confinement, an attack witnessed, injuries, suicidal intent) in Darija (both scripts), Arabic,
French and code-switched mixes; `make bench-danger-classes` prints the same set per class.
"""

from __future__ import annotations

import uuid

import pytest

from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate
from scripts.danger_classes import EMERGENCY, load_dev_set

pytestmark = pytest.mark.server

DANGER_MESSAGES = [m for m in load_dev_set() if m.expected == EMERGENCY]
REPLY_LOCALES = ("ary", "ary_Latn", "ar", "fr")


def test_the_development_set_covers_every_class_and_variety():
    """At least eight messages per class and variety, so a class cannot silently shrink."""
    counts: dict[tuple[str, str], int] = {}
    for message in load_dev_set():
        key = (message.danger_class, message.variety)
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 11 * 5
    assert min(counts.values()) >= 8


@pytest.mark.parametrize(
    "message",
    DANGER_MESSAGES,
    ids=[f"{m.danger_class}-{m.variety}-{i}" for i, m in enumerate(DANGER_MESSAGES)],
)
def test_danger_gets_the_emergency_numbers_first(assistant, message):
    replies = assistant.say(f"test-{uuid.uuid4().hex[:12]}", message.text)
    first = strip_bidi_marks(next(r["text"] for r in replies if r.get("text")))
    assert "19" in first, f"{message.text!r} → {first[:80]!r}"
    assert first in {translate("utter_emergency", locale) for locale in REPLY_LOCALES}
