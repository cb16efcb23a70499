"""Long replies are split for Telegram and WhatsApp without breaking words."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.text_split import split_text, split_with_short_tail, utf16_length


def test_short_text_is_one_part():
    assert split_text("salam 3afak", 4096) == ["salam 3afak"]


def test_cuts_prefer_paragraphs_then_lines_then_spaces():
    assert split_text("aaaa bbbb\n\ncccc dddd", 12) == ["aaaa bbbb", "cccc dddd"]
    assert split_text("aaaa\nbbbb cccc", 10) == ["aaaa", "bbbb cccc"]
    assert split_text("مرحبا بكم في المساعد", 12) == ["مرحبا بكم في", "المساعد"]


def test_a_word_longer_than_the_limit_is_the_only_thing_cut():
    url = "https://example.org/" + "x" * 30
    parts = split_text(f"voir {url} merci", 20)
    assert all(len(p) <= 20 for p in parts)
    assert "".join(parts).replace(" ", "") == f"voir{url}merci"


def test_telegram_counts_emoji_as_two_units():
    text = "🙂" * 3000  # 6,000 UTF-16 units
    parts = split_text(text, 4096, utf16_length)
    assert [utf16_length(p) for p in parts] == [4096, 1904]


def test_interactive_tail_is_short_and_nothing_is_lost():
    words = " ".join(f"w{i}" for i in range(2000))
    parts, tail = split_with_short_tail(words, 4096, 1024)
    assert len(tail) <= 1024 and all(len(p) <= 4096 for p in parts)
    assert " ".join([*parts, tail]).split() == words.split()


@given(st.text(alphabet=st.sampled_from("ab ج\n🙂"), max_size=400), st.integers(min_value=2, max_value=50))
def test_every_part_fits_and_the_words_survive(text, limit):
    parts = split_text(text, limit, utf16_length)
    assert all(0 < utf16_length(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_a_character_wider_than_the_limit_still_moves_on():
    assert split_text("🙂🙂", 1, utf16_length) == ["🙂", "🙂"]


def test_a_limit_below_one_is_an_error():
    with pytest.raises(ValueError):
        split_text("x", 0)
