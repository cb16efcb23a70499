"""Text normalisation shared by the tokenizer, the language detector and the safety net.

Darija, Arabic and French reach us in many spellings of the same word: with or without
diacritics and tatweel, with alef/hamza/ya/ta-marbuta variants, Arabic-Indic digits, accents,
elongated letters ("bzaaaaf") and Arabizi spelling variants. Folding them here means the
classifier and the keyword rules see one form per word.
"""

from __future__ import annotations

import re
import unicodedata

#: Messages longer than this are cut before NLU and storage (docs/channels.md "Limits", SECURITY.md).
MAX_MESSAGE_CHARS = 1000
#: Only this many times the limit is read from an oversized text, so cleaning costs a bounded time.
_READ_FACTOR = 16

_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_LETTER_FOLDS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ک": "ك",
        "ڭ": "ك",
        "گ": "ك",
        "ی": "ي",
        "ڤ": "ف",
        "پ": "ب",
    }
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_REPEATS = re.compile(r"(\D)\1{2,}")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_LATIN_LETTER = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_PUNCTUATION = re.compile(r"[^\w\s']+")
_ARABIZI_FOLDS = (("sh", "ch"), ("ou", "u"), ("oo", "u"), ("ee", "i"), ("q", "9"))


def clean_message(text: str | None, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Remove control/invisible characters, fold whitespace and cut overlong text at ``limit``.

    At most ``16 × limit`` characters are read: a 400 kB paste costs what a 16 kB one does.
    """
    if not text:
        return ""
    text = _CONTROL.sub(" ", str(text)[: limit * _READ_FACTOR])
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
    return text


def has_letters_or_digits(text: str) -> bool:
    """True when the text carries something to understand (not only emoji/punctuation)."""
    return any(ch.isalnum() for ch in text)


def script_of(text: str) -> str | None:
    """``Arab`` or ``Latn`` by majority of letters, ``None`` when the text has no letters."""
    text = unicodedata.normalize("NFKC", text)
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if arabic == latin == 0:
        return None
    return "Arab" if arabic >= latin else "Latn"


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_arabizi(token: str) -> str:
    """Unify common Arabizi spelling variants (``shno``/``chno``, ``bghit``/``bgheet``, ``9/q``)."""
    for variant, canonical in _ARABIZI_FOLDS:
        token = token.replace(variant, canonical)
    return token


def normalize_text(text: str, arabizi_folding: bool = True) -> str:
    """Return the canonical form of ``text`` used for features and keyword matching."""
    text = unicodedata.normalize("NFKC", text)
    text = _ARABIC_DIACRITICS.sub("", text).replace(_TATWEEL, "")
    text = text.translate(_LETTER_FOLDS).translate(_DIGITS)
    text = _strip_marks(text).lower()
    text = _REPEATS.sub(r"\1", text)
    if arabizi_folding:
        text = " ".join(
            fold_arabizi(word) if _LATIN_LETTER.search(word) else word for word in text.split(" ")
        )
    return _WHITESPACE.sub(" ", text).strip()


def normal_form(text: str) -> str:
    """Case, punctuation, diacritics, Arabic letter variants and Arabizi spellings folded.

    Two training examples with the same normal form are duplicates (content checks, review queue).
    """
    return " ".join(_PUNCTUATION.sub(" ", normalize_text(text)).split())
