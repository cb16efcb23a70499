"""Every channel's text preparation: cleaning, cutting, and the no-text marker."""

import pytest

from bot.channels.incoming import NO_TEXT_FLAG, NO_TEXT_PAYLOAD, prepare_text
from bot.text.normalization import MAX_MESSAGE_CHARS


@pytest.mark.parametrize("raw", [None, "", "   ", "\x00\x07", "🙏🙏", "…", 42, ["a"]])
def test_nothing_readable_becomes_the_no_text_marker(raw):
    assert prepare_text(raw) == (NO_TEXT_PAYLOAD, {NO_TEXT_FLAG: True})


def test_readable_text_is_cleaned_and_kept():
    assert prepare_text("  salam\u200b\x00 3afak ") == ("salam 3afak", {})


def test_overlong_text_is_cut():
    text, metadata = prepare_text("كلمة " * 5000)
    assert len(text) <= MAX_MESSAGE_CHARS
    assert metadata == {}
