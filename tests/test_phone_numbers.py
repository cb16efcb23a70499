"""One parser for phone numbers: what the callback form accepts, redaction masks.

The property: every way of typing a Moroccan number that the callback form accepts is found and
masked by redaction, alone or inside a sentence, so no run of its digits is left in clear.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy.phone_numbers import mask_phone_numbers, parse_callback_number, phone_number_spans
from bot.privacy.redaction import redact

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0612345678", "+212612345678"),
        ("06 12 34 56 78", "+212612345678"),
        ("06-12-34-56-78", "+212612345678"),
        ("06.12.34.56.78", "+212612345678"),
        ("06 - 12 - 34 - 56 - 78", "+212612345678"),
        ("06. 12. 34. 56. 78", "+212612345678"),
        ("06/12/34/56/78", "+212612345678"),
        ("(06) 12 34 56 78", "+212612345678"),
        ("+212 6 12 34 56 78", "+212612345678"),
        ("+212 (0)6 12 34 56 78", "+212612345678"),
        ("00212712345678", "+212712345678"),
        ("00212 6 12 34 56 78", "+212612345678"),
        ("٠٦١٢٣٤٥٦٧٨", "+212612345678"),
        ("٠٦ ١٢ ٣٤ ٥٦ ٧٨", "+212612345678"),
        ("۰۶۱۲۳۴۵۶۷۸", "+212612345678"),
        ("0522123456", "+212522123456"),
        ("  06 61 23 45 78 ", "+212661234578"),
        ("12345", None),
        ("0812345678", None),
        ("06123456789", None),
        ("+33 6 12 34 56 78", None),
        ("appelez le 0612345678", None),
        ("06 12 34 56 78 " * 3, None),
        ("abc", None),
        ("", None),
    ],
)
def test_the_callback_form_accepts_moroccan_numbers_typed_the_usual_ways(text, expected):
    assert parse_callback_number(text) == expected


DIGIT_SETS = st.sampled_from(["0123456789", ARABIC_INDIC, PERSIAN])
SEPARATORS = st.sampled_from([" ", "", "-", ".", "/", " - ", ". ", " . ", "  ", "\u2013"])
PREFIXES = st.sampled_from(["0", "+212 ", "+212", "00212", "00212 ", "+212 (0)"])
NATIONAL = st.sampled_from(["612345678", "661234578", "712345678", "522123456", "698765432"])


@st.composite
def typed_numbers(draw) -> str:
    """A Moroccan number as a person types it: prefix, groups, separators, digit script."""
    national = draw(NATIONAL)
    groups = [national[0], national[1:3], national[3:5], national[5:7], national[7:9]]
    if draw(st.booleans()):
        groups = [national[0:3], national[3:6], national[6:9]]
    separator = draw(SEPARATORS)
    text = draw(PREFIXES) + separator.join(groups)
    digits = draw(DIGIT_SETS)
    return text.translate(str.maketrans("0123456789", digits))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text.translate(str.maketrans(ARABIC_INDIC + PERSIAN, "0123456789" * 2)))


@settings(max_examples=400, deadline=None)
@given(
    typed=typed_numbers(),
    before=st.sampled_from(["", "raqmi ", "رقمي هو ", "mon numéro : ", "3ayto liya f "]),
    after=st.sampled_from(["", " merci", " شكرا", ", 3afak", "."]),
)
def test_every_accepted_number_is_masked_by_redaction(typed, before, after):
    if parse_callback_number(typed) is None:
        return  # not accepted by the form (e.g. a grouping it refuses): nothing to mask
    spans = phone_number_spans(f"{before}{typed}{after}")
    assert spans, f"the matcher does not find {typed!r}"
    redacted = redact(f"{before}{typed}{after}")
    assert "[phone]" in redacted
    assert _digits(redacted) == _digits(before + after), f"{typed!r} → {redacted!r} keeps digits"


@settings(max_examples=200, deadline=None)
@given(typed=typed_numbers())
def test_the_form_accepts_every_generated_format(typed):
    assert parse_callback_number(typed) == "+212" + _digits(typed)[-9:]


@pytest.mark.parametrize(
    "text",
    [
        "appelez le 8350",
        "2511 ou 19",
        "loi 103-13",
        "j'ai 65 ans et 3 enfants",
        "1234567",
    ],
)
def test_short_numbers_ages_and_laws_stay(text):
    assert mask_phone_numbers(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0612345678 et 0698765432", "[phone] et [phone]"),
        ("carte 4970 1234 5678 9012", "carte [number]"),
        ("06123456789", "[number]"),
        ("1" * 5000, "[number]"),
        ("12345678a", "[number]a"),
    ],
)
def test_phone_numbers_and_other_long_digit_runs_are_masked(text, expected):
    assert mask_phone_numbers(text) == expected


def test_masking_time_grows_linearly_with_the_text():
    """Work, not timing: 64 times more text may not cost more than ~64 times (with slack) as much."""

    def cost(size: int) -> float:
        text = ("06 - 12 - 34 - 56 - 78 w 12345678a " * (size // 34 + 1))[:size]
        start = time.process_time()
        redact(text)
        return time.process_time() - start

    small, large = min(cost(4_000) for _ in range(3)), cost(256_000)
    assert large < small * 64 * 4, (small, large)
