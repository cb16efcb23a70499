"""A phone number the callback form accepts never stays in clear in the stored conversation."""

from __future__ import annotations

import re
import uuid

import pytest

from bot.i18n.render import render_text
from tests.security.conftest import stored_events

pytestmark = pytest.mark.server

#: Ways people type 06 61 23 45 78 (not the example the question shows); every one is accepted.
TYPED_NUMBERS = [
    "06 - 61 - 23 - 45 - 78",
    "06. 61. 23. 45. 78",
    "06/61/23/45/78",
    "(06) 61 23 45 78",
    "+212 6 61 23 45 78",
    "00212 661 234 578",
    "٠٦ ٦١ ٢٣ ٤٥ ٧٨",
    "0661234578",
]
NATIONAL_NUMBER = "661234578"


ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _texts(messages: list[dict]) -> list[str]:
    return [m.get("text") for m in messages if m.get("text")]


@pytest.mark.parametrize("typed", TYPED_NUMBERS)
def test_an_accepted_callback_number_is_masked_in_the_tracker_store(target, typed):
    """Attack: read the tracker store (database, backup, broker) to learn the number a woman left."""
    sender = f"callback-{uuid.uuid4().hex[:8]}"
    target.say(sender, "Je voudrais parler à une personne, pas à un robot")
    target.say(sender, '/inform{"share_scope": "summary"}')
    assert _texts(target.say(sender, "/affirm")) == [render_text("utter_ask_callback_phone", "fr")]
    saved = _texts(target.say(sender, typed))
    assert render_text("utter_callback_phone_invalid", "fr") not in saved, f"{typed!r} was refused"
    events = stored_events(target, sender)
    answer = [e.get("text") or "" for e in events if e.get("event") == "user"][-1]
    assert answer == "[phone]", f"the answer to the number question is stored as {answer!r}"
    for text in _strings(events):
        digits = re.sub(r"\D", "", text.translate(ARABIC_INDIC))
        assert NATIONAL_NUMBER not in digits, f"the number of {typed!r} is stored in {text!r}"


def _strings(value: object) -> list[str]:
    """Every string inside a JSON value (event texts, parse data, slot values, metadata)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []
