"""Numbers written in digits or words, in every variety."""

import pytest

from bot.text.numbers import parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("65", 65), ("٦٥", 65), ("عمري 70 عام", 70), ("ستين", 60), ("خمسة وستين", 65), ("خمسة وستون", 65),
        ("سبعين عام", 70), ("مية", 100), ("khamsa w settin", 65), ("sb3in 3am", 70), ("rb3a dyal drari", 4),
        ("3 wlad", 3), ("soixante", 60), ("soixante-cinq", 65), ("soixante-dix-huit", 78), ("quatre-vingts", 80),
        ("quatre-vingt-dix", 90), ("il a 12 ans", 12), ("deux enfants", 2),
    ],
)  # fmt: skip
def test_reads_numbers(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "machi daba", "la carte", "3afak", "123456789"])
def test_no_number_gives_none(text):
    assert parse_number(text) is None
