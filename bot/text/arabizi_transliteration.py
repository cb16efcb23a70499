"""Rough Arabic-script spelling of Darija written in Latin letters ("Arabizi").

"bghit nkhdem" and "بغيت نخدم" are the same words in two scripts; written in one script, the
examples of both share character n-grams, so each script learns from the other's examples
(`make eval` measures it). The spelling is deliberately simple: digits for sounds (3 ع, 7 ح,
9 ق…), digraphs (ch ش, kh خ, gh غ), long vowels a/i/u written as ا/ي/و, short e and o dropped
inside a word, the article "l" written ال. It is only a feature: nothing shows it to a citizen.
"""

from __future__ import annotations

import re

from bot.text.normalization import normalize_text

_DIGRAPHS = {"ch": "ش", "kh": "خ", "gh": "غ", "th": "ت", "dj": "ج"}
_LETTERS = {
    "2": "ء", "3": "ع", "5": "خ", "7": "ح", "8": "ه", "9": "ق",
    "b": "ب", "c": "ك", "d": "د", "f": "ف", "g": "ك", "h": "ه", "j": "ج", "k": "ك",
    "l": "ل", "m": "م", "n": "ن", "p": "ب", "q": "ق", "r": "ر", "s": "س", "t": "ت",
    "v": "ف", "w": "و", "x": "كس", "y": "ي", "z": "ز", "a": "ا", "i": "ي", "u": "و",
}  # fmt: skip
_VOWELS = "aeiou"
_LATIN_WORD = re.compile(r"[a-z]")
_DOUBLED = re.compile(r"(.)\1+")


def arabizi_word(word: str) -> str:
    """One normalised Latin-letter word in Arabic script; other words are returned unchanged."""
    if not _LATIN_WORD.search(word):
        return word
    word = _DOUBLED.sub(r"\1", word)
    out: list[str] = []
    i = 0
    if len(word) > 2 and word[0] == "l" and word[1] not in _VOWELS:
        out.append("ال")
        i = 1
    while i < len(word):
        pair = _DIGRAPHS.get(word[i : i + 2])
        if pair:
            out.append(pair)
            i += 2
            continue
        char = word[i]
        if char == "e":
            out.append("ا" if i == 0 else "")
        elif char == "o":
            out.append("و" if i in (0, len(word) - 1) else "")
        elif char == "i" and i == 0:
            out.append("ا")
        else:
            out.append(_LETTERS.get(char, char))
        i += 1
    return "".join(out)


def arabic_script_form(text: str) -> str:
    """The normalised text with every Latin-letter word spelt in Arabic script."""
    return " ".join(arabizi_word(word) for word in normalize_text(text).split())
