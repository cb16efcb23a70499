"""Normalisation folds spelling variants to one form and cleans hostile input."""

import pytest

from bot.text.normalization import (
    MAX_MESSAGE_CHARS,
    clean_message,
    has_letters_or_digits,
    normalize_text,
    script_of,
)


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("أُرِيدُ", "اريد"),  # diacritics and hamza on alef
        ("إعاقة", "اعاقه"),  # alef with hamza below, ta marbuta
        ("مســـاعدة", "مساعده"),  # tatweel
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("عندي ٦٥ عام", "عندي 65 عام"),  # Arabic-Indic digits
        ("بزااااف", "بزاف"),  # elongation
        ("ﻻ", "لا"),  # presentation form
        ("Je suis à Fès", "je suis a fes"),  # accents, case
        ("Shnou", "chnu"),  # Arabizi sh/ch, ou/u
        ("bgheet", "bghit"),
        ("qtel", "9tel"),
    ],
)
def test_variants_fold_to_one_form(variant, canonical):
    assert normalize_text(variant) == canonical


def test_arabizi_folding_can_be_switched_off():
    assert normalize_text("shnou", arabizi_folding=False) == "shnou"


def test_clean_message_removes_control_and_invisible_characters():
    assert clean_message("a\x00b\u200bc\x1f  d") == "a b c d"


def test_clean_message_cuts_on_a_word_boundary():
    text = "mot " * 1000
    cleaned = clean_message(text)
    assert len(cleaned) <= MAX_MESSAGE_CHARS
    assert cleaned.endswith("mot")


def test_clean_message_cuts_a_single_long_word_at_the_limit():
    assert len(clean_message("x" * 20000)) == MAX_MESSAGE_CHARS


@pytest.mark.parametrize(
    ("text", "expected"), [("", False), ("   ", False), ("🙏😢", False), ("?!", False), ("8350", True)]
)
def test_has_letters_or_digits(text, expected):
    assert has_letters_or_digits(text) is expected


@pytest.mark.parametrize(
    ("text", "script"),
    [("واش كاين", "Arab"), ("wach kayn", "Latn"), ("bghit la carte إعاقة", "Latn"), ("123", None)],
)
def test_script_by_majority_of_letters(text, script):
    assert script_of(text) == script
