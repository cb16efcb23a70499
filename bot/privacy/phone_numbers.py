"""Phone numbers: the one place that decides what a phone number is, for accepting and for masking.

The callback form accepts a Moroccan number typed the usual ways (``06 12 34 56 78``,
``06. 12. 34. 56. 78``, ``06 - 12 - 34 - 56 - 78``, ``+212 6…``, ``00212…``, Latin or
Arabic-Indic digits); redaction must then find that same number in free text, or the number
would be stored in clear. Both sides use Google's libphonenumber (``phonenumbers``) with the
region ``MA``: ``parse`` to accept, ``PhoneNumberMatcher`` to find.

Masking stays linear in the text length: one regular expression without nested repetition finds
the runs of digits joined by separators, and only runs of a bounded length go to the matcher
(which does a lot of work per candidate). Longer runs, and runs of eight digits or more the
matcher does not take for a phone number (a mistyped number, a card number), are masked whole.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType

REGION = "MA"
#: Separators people type between digit groups (hyphen, dot, slash, brackets, dashes, spaces).
SEPARATORS = ".-/()\u2010\u2011\u2012\u2013\u2014\u2212"
#: Longest answer to "which number should we call?" that is still read as a number.
MAX_TYPED_CHARS = 40
#: Runs of digits this long or longer are never left in clear, phone number or not.
MIN_MASKED_DIGITS = 8
#: The shortest run the matcher is asked about (a Moroccan number has nine digits after the 0).
MIN_PHONE_DIGITS = 9
#: Longest run handed to the matcher; a longer run is masked whole without it.
MATCHER_WINDOW = 256
ACCEPTED_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)

_SEPARATOR_CLASS = rf"[\s{re.escape(SEPARATORS)}]"
_TYPED = re.compile(rf"\+?(?:\d|{_SEPARATOR_CLASS})+")
# A run: an optional "+" or "(", then digits joined by at most four separator characters. No
# nested repetition and no look-around, so each character is read a bounded number of times.
_RUN = re.compile(rf"(?:\+\s?|\(\s?)?\d(?:{_SEPARATOR_CLASS}{{0,4}}\d)*")
_NOT_DIGIT = re.compile(r"\D+")
# "06/12/34/56/78" looks like a date to the matcher; slashes are read as spaces (same length).
_SLASH_AS_SPACE = str.maketrans("/", " ")


def parse_callback_number(text: str) -> str | None:
    """The E.164 form (``+2126…``) of a Moroccan mobile or landline number, or ``None``.

    Only digits (Latin or Arabic-Indic), separators and a leading ``+`` are accepted: a number
    inside a sentence is refused (the form asks again) rather than guessed.
    """
    typed = (text or "").strip()
    if not typed or len(typed) > MAX_TYPED_CHARS or not _TYPED.fullmatch(typed):
        return None
    try:
        number = phonenumbers.parse(typed.translate(_SLASH_AS_SPACE), REGION)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 212 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in ACCEPTED_TYPES:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_number_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every phone number the matcher finds in ``text`` (runs of bounded length)."""
    spans = []
    for run in _RUN.finditer(text):
        if len(run.group()) <= MATCHER_WINDOW and _digit_count(run.group()) >= MIN_PHONE_DIGITS:
            spans.extend((run.start() + s, run.start() + e) for s, e in _matches(run.group()))
    return spans


def _digit_count(text: str) -> int:
    return len(_NOT_DIGIT.sub("", text))


@lru_cache(maxsize=4096)
def _matches(run: str) -> tuple[tuple[int, int], ...]:
    """The matcher's spans in one run (cached: the matcher costs about 70 µs a run)."""
    found = PhoneNumberMatcher(run.translate(_SLASH_AS_SPACE), REGION, leniency=Leniency.POSSIBLE)
    return tuple((match.start, match.end) for match in found)


def mask_phone_numbers(text: str, phone: str = "[phone]", number: str = "[number]") -> str:
    """``text`` with phone numbers replaced by ``phone`` and other long digit runs by ``number``."""
    if not text:
        return text
    return _RUN.sub(lambda run: _mask_run(run.group(), phone, number), text)


def _mask_run(run: str, phone: str, number: str) -> str:
    digits = _digit_count(run)
    if digits < MIN_MASKED_DIGITS:
        return run  # service lines (8350, 19), ages, law numbers (103-13)
    if digits < MIN_PHONE_DIGITS or len(run) > MATCHER_WINDOW:
        return number
    pieces, position = [], 0
    for start, end in _matches(run):
        pieces += [_mask_rest(run[position:start], number), phone]
        position = end
    pieces.append(_mask_rest(run[position:], number))
    return "".join(pieces)


def _mask_rest(piece: str, number: str) -> str:
    """What the matcher left of a run: masked whole when it still holds a long digit run."""
    if _digit_count(piece) < MIN_MASKED_DIGITS:
        return piece
    stripped = piece.strip()
    lead = piece[: len(piece) - len(piece.lstrip())]
    tail = piece[len(piece.rstrip()) :]
    return f"{lead}{number}{tail}" if stripped else piece
