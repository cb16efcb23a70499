"""Hides names and places finer than a city in a citizen's message before a content editor reads it.

:func:`bot.privacy.redaction.redact` already hides phone numbers, ID numbers (CIN) and e-mails;
the review queue also needs what identifies a person in a small community: her name and where
she lives. Both are found conservatively, by patterns that are rarely wrong:

- a name right after a self-introduction or a title ("smiti Khadija", "je m'appelle Sara",
  "اسمي فاطمة", "Mme Alaoui", "السيد ..."), up to two words;
- a capitalised Latin word inside a sentence that is neither a city of the gazetteer nor a word
  of the NLU training data (``vocabulary``), so "Tanger", "CNSS" or "Bonjour" stay;
- an address: a street, quarter or building word (rue, avenue, quartier, hay, derb, zan9a,
  douar, حي, زنقة, درب, شارع, دوار …) followed by a name, with up to three following words, and
  a house number ("n° 12"); "la rue", "mon quartier", "ف الزنقة" (no name) stay.

What is left undetected (a name with no title in Arabic script, a nickname) is why an editor must
still confirm that an example holds nothing personal before it is written (docs/content-guide.md).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from bot.settings import ROOT

NAME = "[name]"
PLACE = "[place]"
MAX_NAME_WORDS = 2
MAX_PLACE_WORDS = 3

_TOKEN = re.compile(r"\S+")
_REPEATED_PLACE = re.compile(r"\[place\](?:[\s,]+\[place\])+")
_EDGE_PUNCTUATION = ".,;:!?؟،؛()\"'«»"
# Phrases after which the next words are the citizen's (or someone's) name. Lower case, spaces single.
_INTRODUCTIONS = (
    "smiti", "smyti", "esmi", "ismi", "ana smiti", "kansmma", "kansma", "ksmiti",
    "je m'appelle", "je m’appelle", "mon nom est", "mon nom c'est", "il s'appelle", "elle s'appelle",
    "my name is",
    "اسمي", "إسمي", "سميتي", "كنسمى", "كنتسمى", "سميتو", "سميتها", "تسمى",
)  # fmt: skip
# Titles before a name. Latin ones count only before a capitalised word ("si" is also "if").
_TITLES = (
    "mme", "mme.", "madame", "mlle", "mademoiselle", "monsieur", "m.", "mr", "mr.", "si", "lalla", "sidi",
    "السيد", "السيدة", "للا", "لالة", "الحاج", "الحاجة",
)  # fmt: skip
# Words that start an address finer than a city. A Latin-script one counts only when a name follows it
# (a capital, a number or a word unknown to the training data, after connectors such as "des", "ibn"), so
# "la rue", "mon quartier", "douar dyalna" stay. Arabic-script ones without the article ("حي", "زنقة"…)
# are followed by a name; "الزنقة", "الشارع" ("in the street") are not listed. "drb" is "hit", not "derb".
_PLACE_WORDS = {
    "rue", "avenue", "av", "av.", "bd", "bd.", "boulevard", "quartier", "qartier", "hay", "7ay", "derb",
    "zan9a", "zanqa", "zenqa", "znqa", "résidence", "residence", "lotissement", "douar", "immeuble",
    "appartement", "appt", "impasse", "cité",
    "حي", "زنقة", "درب", "شارع", "إقامة", "اقامة", "تجزئة", "دوار", "عمارة", "زقاق",
}  # fmt: skip
_CONNECTORS = {
    "de", "des", "du", "d'", "la", "le", "el", "al", "ibn", "ben", "bni", "beni", "sidi", "moulay", "oulad",
    "ouled", "ait", "hay", "lalla",
}  # fmt: skip
# A house number ("n° 12"); "raqm"/"رقم" alone is any number (a help line), so it counts only inside an address.
_NUMBER_WORDS = {"n°", "n°.", "nº"}
# Words that end a name or an address ("rue X et ...", "smiti Sara w ...").
_STOP_WORDS = {
    "w", "o", "wa", "et", "and", "ou", "mais", "walakin", "fin", "ana", "je", "j'ai", "f", "fi", "à", "a", "de",
    "li", "lli", "qui", "que", "kan", "kanskn", "kansken", "msa", "m3a", "avec", "dans", "en", "ma", "mon",
    "و", "في", "ف", "مع", "لي", "اللي", "أنا", "انا", "من", "عند", "كنسكن", "ساكنة", "ساكن",
}  # fmt: skip


def _core(token: str) -> str:
    return token.strip(_EDGE_PUNCTUATION)


def _ends_phrase(token: str) -> bool:
    """True when the token carries a punctuation mark after which a name or address stops."""
    return bool(token) and token[-1] in ".,;:!?؟،؛)»"


@lru_cache(maxsize=1)
def default_vocabulary() -> frozenset[str]:
    """Every word of the NLU training data and every city spelling, lower case."""
    from bot.geo.gazetteer import default_gazetteer
    from bot.nlu.training_examples import project_examples

    words: set[str] = set()
    for example in project_examples(ROOT):
        words.update(_core(w).lower() for w in example.text.split())
    for city in default_gazetteer().cities.values():
        for spelling in (*city.spellings, *city.names.values()):
            words.update(w.lower() for w in spelling.split())
    return frozenset(w for w in words if w)


def _mark(tokens: list[str], start: int, limit: int, allow_digits: bool) -> int:
    """How many tokens from ``start`` belong to the name/address (0..limit)."""
    taken = 0
    while taken < limit and start + taken < len(tokens):
        token = tokens[start + taken]
        core = _core(token)
        lowered = core.lower()
        if not core or lowered in _STOP_WORDS or core.startswith("["):
            break
        if taken and (lowered in _PLACE_WORDS or lowered in _NUMBER_WORDS):
            break  # a new part of the address starts: its own phrase
        if not allow_digits and any(ch.isdigit() for ch in core):
            break
        taken += 1
        if _ends_phrase(token):
            break
    return taken


def _replace(tokens: list[str], start: int, count: int, placeholder: str) -> None:
    last = tokens[start + count - 1]
    tail = last[len(last.rstrip(_EDGE_PUNCTUATION)) :] if _ends_phrase(last) else ""
    tokens[start : start + count] = [placeholder + tail] + [""] * (count - 1)


def _introduction_at(lowered: list[str], index: int) -> int:
    """Length in tokens of the self-introduction ending at ``index`` (0 if none)."""
    for phrase in _INTRODUCTIONS:
        words = phrase.split()
        if index + 1 >= len(words) and lowered[index + 1 - len(words) : index + 1] == words:
            return len(words)
    return 0


def _is_latin_capitalised(core: str) -> bool:
    return len(core) > 1 and core[0].isupper() and core[0].isascii() and core[1:].islower() and core.isalpha()


def _names_a_place(tokens: list[str], start: int, known: frozenset[str]) -> bool:
    """True when a name follows a Latin-script address word: capitalised, a number, or an unknown word."""
    for token in tokens[start : start + MAX_PLACE_WORDS]:
        core = _core(token)
        if core.lower() in _CONNECTORS:
            continue
        return bool(core) and (core[0].isupper() or core[0].isdigit() or core.lower() not in known)
    return False


def redact_personal(text: str, vocabulary: Iterable[str] | None = None) -> str:
    """``text`` with detectable names replaced by ``[name]`` and addresses by ``[place]``."""
    if not text:
        return text
    known = default_vocabulary() if vocabulary is None else frozenset(w.lower() for w in vocabulary)
    tokens = _TOKEN.findall(text)
    lowered = [_core(t).lower() for t in tokens]
    index = 0
    sentence_start = True
    while index < len(tokens):
        token, core, low = tokens[index], _core(tokens[index]), lowered[index]
        if not token:
            index += 1
            continue
        following = index + 1
        if low in _PLACE_WORDS or low in _NUMBER_WORDS:
            count = _mark(tokens, following, MAX_PLACE_WORDS, allow_digits=True)
            is_number = low in _NUMBER_WORDS
            named = _names_a_place(tokens, following, known) if low.isascii() or is_number else True
            if count and named and (not is_number or any(ch.isdigit() for ch in tokens[following])):
                _replace(tokens, index, count + 1, PLACE)
                index = following + count
                sentence_start = _ends_phrase(tokens[index - 1]) if index else True
                continue
        if _introduction_at(lowered, index):
            count = _mark(tokens, following, MAX_NAME_WORDS, allow_digits=False)
            if count:
                _replace(tokens, following, count, NAME)
                index = following + count
                sentence_start = False
                continue
        if low in _TITLES and following < len(tokens):
            after = _core(tokens[following])
            latin_title = low.isascii()
            if (
                after
                and (not latin_title or _is_latin_capitalised(after))
                and after.lower() not in _STOP_WORDS
            ):
                count = _mark(tokens, following, 1, allow_digits=False)
                if count:
                    _replace(tokens, following, count, NAME)
                    index = following + count
                    sentence_start = False
                    continue
        if not sentence_start and _is_latin_capitalised(core) and low not in known:
            _replace(tokens, index, 1, NAME)
        sentence_start = _ends_phrase(token) and token[-1] in ".!?؟"
        index += 1
    return _rebuild(text, tokens)


def _rebuild(text: str, tokens: list[str]) -> str:
    """Puts the (possibly replaced) tokens back with the original spacing, dropping emptied ones."""
    out: list[str] = []
    position = 0
    for original, replacement in zip(_TOKEN.finditer(text), tokens, strict=True):
        gap = text[position : original.start()]
        if replacement:
            out.append(gap + replacement)
        position = original.end()
    out.append(text[position:])
    return _REPEATED_PLACE.sub(PLACE, "".join(out))


def redact_for_review(text: str, vocabulary: Iterable[str] | None = None) -> str:
    """Everything the review queue hides: phones, IDs, e-mails (``redact``), names and addresses."""
    from bot.privacy.redaction import redact

    return redact_personal(redact(text), vocabulary)
