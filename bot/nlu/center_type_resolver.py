"""Rasa component that gives every ``center_type`` entity one of the known types.

DIET or the CRF finds phrases such as "centre pour personnes handicapées" or "فضاء متعدد الاختصاصات
ديال النساء"; the synonym mapper only knows phrases seen in training. Here the phrase is matched
against the words of ``data/gazetteer/center_types.yml`` (normalised, most specific type first);
a phrase with no known word is dropped rather than passed on as an unknown type.

When the extractor found no centre type, the message is scanned: a centre noun ("مركز", "dar",
"centre", listed under ``centre_nouns``) followed within a few words by a type word ("markaz dyal
l3ajaza", "centre pour enfants") gives the type; in a ``find_center`` message, or an ``inform``
answer without a number ("ديال العجزة" after "which kind of centre?"), a type word anywhere does too ("bghit chi blasa l chyoukh f Oujda", "ana bla ma2wa f Tanja"):
the citizen already said what kind of centre, and asking again is the failure this avoids.

Words are compared without their glued articles and prefixes ("للعجزة" = "عجزة", "l3ajaza" =
"el-3ajaza" = "3ajaza", "l'enfance" = "enfance") and, in Latin letters, with y/i and doubled
letters folded ("chyoukh" = "chioukh" = "chiyoukh").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.number_resolver import parse_number
from bot.nlu.persisted_data import PersistedDataComponent
from bot.text.normalization import normalize_text

CENTER_TYPE = "center_type"
DEFAULT_FILE = Path("data/gazetteer/center_types.yml")
#: How many words after a centre noun may name its type ("markaz dyal nas lkbar" = 3).
NOUN_WINDOW = 4
#: Intents under which a type word anywhere in the message names the centre type; an ``inform`` answer
#: that holds a number is a count ("3ndi jouj drari", "3 enfants"), not a kind of centre.
TYPE_ANYWHERE_INTENTS = ("find_center", "inform")
#: Glued prefixes of Arabic-script words, longest first ("وللمركز", "فالعجزة", "للنساء", "لمركز").
_ARABIC_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال", "ول", "فل", "بل", "و", "ف", "ل", "ب")
#: Articles glued to Latin-script words ("l3ajaza", "el-3ajaza", "l'enfance", "lmcharrdin").
_LATIN_ARTICLE = re.compile(r"^(?:(?:el|al|l)[-']|l'|d'|(?:el|al)(?=[^aeiouy])|l(?=[^aeiouy]))")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_EXTRACTOR = "CenterTypeResolver"
_PUNCTUATION = ".,;:!?؟،()\"'«»"

Phrase = tuple[str, ...]
#: id(words) → (words, first-word index); the words dict is kept so that a reused id is detected.
_INDEX_CACHE: dict[int, tuple[dict, dict]] = {}


def load_center_words(path: Path = DEFAULT_FILE) -> dict[str, list[str]]:
    """Type → normalised words, in the file's order (most specific first)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {
        kind: [normalize_text(str(w)) for w in words] for kind, words in (data.get("types") or {}).items()
    }


def load_centre_nouns(path: Path = DEFAULT_FILE) -> list[str]:
    """Normalised nouns that name a centre ("مركز", "dar", "centre")."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return [normalize_text(str(w)) for w in data.get("centre_nouns") or []]


@lru_cache(maxsize=8192)
def bare_forms(word: str) -> frozenset[str]:
    """A normalised word and its forms without a glued article or prefix (Latin: y/i, doubles folded)."""
    word = word.strip(_PUNCTUATION)
    if not word:
        return frozenset()
    if _ARABIC_LETTER.search(word):
        forms = {word}
        for _ in range(2):  # "وللمركز" = و + لل + مركز
            forms |= {
                f[len(p) :]
                for f in forms
                for p in _ARABIC_PREFIXES
                if f.startswith(p) and len(f) - len(p) >= 2
            }
        return frozenset(forms)
    stripped = _LATIN_ARTICLE.sub("", word)
    forms = {word, stripped}
    if len(stripped) > 2 and stripped[0] == "2" and stripped[1] in "aeiou":
        forms.add(stripped[1:])  # hamza: "l2i3a9a" = "i3a9a", "l2atfal" = "atfal"
    return frozenset(re.sub(r"(.)\1+", r"\1", f.replace("y", "i")) for f in forms if f)


def _phrase(word: str) -> Phrase:
    return tuple(word.split())


def _matches(tokens: list[frozenset[str]], at: int, phrase: Phrase) -> bool:
    """Whether the phrase's words start at token ``at`` (each compared by its bare forms)."""
    if at + len(phrase) > len(tokens):
        return False
    return all(bare_forms(w) & tokens[at + k] for k, w in enumerate(phrase))


def _first_word_index(words: dict[str, list[str]]) -> dict[str, list[tuple[str, Phrase]]]:
    """Bare form of a type word's first word → (type, phrase), so a scan looks up each message word once."""
    cached = _INDEX_CACHE.get(id(words))
    if cached is not None and cached[0] is words:
        return cached[1]
    index: dict[str, list[tuple[str, Phrase]]] = {}
    for kind, kind_words in words.items():
        for word in kind_words:
            phrase = _phrase(word)
            if phrase:
                for form in bare_forms(phrase[0]):
                    index.setdefault(form, []).append((kind, phrase))
    _INDEX_CACHE[id(words)] = (words, index)
    return index


def _kinds_in(tokens: list[frozenset[str]], words: dict[str, list[str]]) -> list[tuple[str, int, int]]:
    """Every (type, first token, token after the last) a type word covers."""
    index = _first_word_index(words)
    found = set()
    for at, forms in enumerate(tokens):
        for form in forms:
            for kind, phrase in index.get(form, ()):
                if _matches(tokens, at, phrase):
                    found.add((kind, at, at + len(phrase)))
    return sorted(found)


def _best(found: list[tuple[str, int, int]], words: dict[str, list[str]]) -> tuple[str, int, int]:
    """Most specific type (file order), then earliest, then longest ("kbar sen" over "kbar")."""
    order = list(words)
    return min(found, key=lambda f: (order.index(f[0]), f[1], f[1] - f[2]))


def _tokenise(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised word) for each word of the original text, punctuation left out."""
    tokens = []
    for m in re.finditer(r"[^\s" + re.escape(_PUNCTUATION) + r"]+(?:['-][^\s" + re.escape(_PUNCTUATION) + r"]+)*",
                         text):  # fmt: skip
        tokens.append((m.start(), m.end(), normalize_text(m.group())))
    return tokens


def _is_centre_noun(forms: frozenset[str], nouns: set[str]) -> bool:
    return bool(forms & nouns)


def find_typed_centre(
    text: str, words: dict[str, list[str]], nouns: set[str], anywhere: bool = False
) -> tuple[str, int, int] | None:
    """The type a message names: (type, start, end) in the original text, or ``None``.

    First a centre noun followed within ``NOUN_WINDOW`` words by a type word; with ``anywhere``, then
    a type word anywhere. Among several types the most specific (file order) wins, so "markaz
    ijtima3i dyal l3ajaza" is elderly, not general.
    """
    tokens = _tokenise(text)
    forms = [bare_forms(w) for _, _, w in tokens]
    bare_nouns = {f for noun in nouns for f in bare_forms(noun)}
    for i, token_forms in enumerate(forms):
        if not _is_centre_noun(token_forms, bare_nouns):
            continue
        window = forms[i + 1 : i + 1 + NOUN_WINDOW]
        found = _kinds_in(window, words)
        if found:
            kind, _, end = _best(found, words)
            return kind, tokens[i][0], tokens[i + end][1]
    if anywhere:
        found = _kinds_in(forms, words)
        if found:
            kind, start, end = _best(found, words)
            return kind, tokens[start][0], tokens[end - 1][1]
    return None


def resolve_center_type(phrase: str, words: dict[str, list[str]]) -> str | None:
    """The type a phrase names, or ``None``."""
    if phrase in words:
        return phrase
    forms = [bare_forms(w) for _, _, w in _tokenise(phrase)]
    found = _kinds_in(forms, words)
    if found:
        return _best(found, words)[0]
    text = f" {normalize_text(phrase)} "
    for kind, kind_words in words.items():  # a long word inside a longer one ("handicapées")
        if any(len(w) >= 5 and w in text for w in kind_words):
            return kind
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class CenterTypeResolver(PersistedDataComponent):
    """Maps free ``center_type`` phrases to a known type."""

    _words: dict[str, list[str]] = {}  # noqa: RUF012 - replaced per instance by use()
    _nouns: set[str] = set()  # noqa: RUF012 - replaced per instance by use()

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``words_file``: read at training time and stored in the model."""
        return {"words_file": str(DEFAULT_FILE)}

    def read_source(self) -> dict:
        """Type → normalised words, and the centre nouns."""
        path = Path(self._config["words_file"])
        return {"types": load_center_words(path), "centre_nouns": load_centre_nouns(path)}

    def use(self, data: dict) -> None:
        """Resolves with these words."""
        self._words = data["types"]
        self._nouns = set(data["centre_nouns"])

    def process(self, messages: List[Message]) -> List[Message]:
        """Resolves each centre-type entity; keeps one entity per type."""
        for message in messages:
            text = message.get(TEXT) or ""
            kept, seen = [], set()
            for entity in message.get(ENTITIES) or []:
                if entity.get("entity") != CENTER_TYPE:
                    kept.append(entity)
                    continue
                phrase = (
                    text[entity["start"] : entity["end"]] if entity.get("end") else str(entity.get("value"))
                )
                kind = resolve_center_type(str(entity.get("value")), self._words) or resolve_center_type(
                    phrase, self._words
                )
                if kind and kind not in seen:
                    kept.append({**entity, "value": kind})
                    seen.add(kind)
            intent = (message.get(INTENT) or {}).get("name")
            anywhere = intent in TYPE_ANYWHERE_INTENTS and not (
                intent == "inform" and parse_number(text) is not None
            )
            if not seen and (found := find_typed_centre(text, self._words, self._nouns, anywhere)):
                kind, start, end = found
                kept.append({"entity": CENTER_TYPE, "value": kind, "start": start, "end": end,
                             "confidence_entity": 1.0, "extractor": _EXTRACTOR})  # fmt: skip
            message.set(ENTITIES, kept, add_to_output=True)
        return messages
