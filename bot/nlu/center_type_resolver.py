"""Rasa component that gives every ``center_type`` entity one of the known types.

DIET finds phrases such as "centre pour personnes handicapées" or "فضاء متعدد الاختصاصات ديال
النساء"; the synonym mapper only knows phrases seen in training. Here the phrase is matched
against the words of ``data/gazetteer/center_types.yml`` (normalised, most specific type first);
a phrase with no known word is dropped rather than passed on as an unknown type.

When the extractor found no centre type, a centre noun ("مركز", "dar", "centre", listed under
``centre_nouns``) followed within a few words by a type word ("markaz dyal l3ajaza", "centre pour
enfants") still gives one: the CRF misses about a third of the typed phrases in cross-validation,
while a noun-then-type pair is rarely anything else.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.persisted_data import PersistedDataComponent
from bot.nlu.text_normalization import normalize_text

CENTER_TYPE = "center_type"
DEFAULT_FILE = Path("data/gazetteer/center_types.yml")
#: How many words after a centre noun may name its type ("markaz dyal nas lkbar" = 3).
NOUN_WINDOW = 4
#: One-letter prefixes glued to a noun in Arabic script and Darija ("فدار", "لمركز", "والمركز").
_GLUED = "وفلب"
_EXTRACTOR = "CenterTypeResolver"
_PUNCTUATION = ".,;:!?؟،"


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


def _is_centre_noun(word: str, nouns: set[str]) -> bool:
    return word in nouns or (len(word) > 2 and word[0] in _GLUED and word[1:] in nouns)


def find_typed_centre(text: str, words: dict[str, list[str]], nouns: set[str]) -> tuple[str, int, int] | None:
    """The first centre noun followed within ``NOUN_WINDOW`` words by a type word: (type, start, end)."""
    tokens = [
        (
            m.start(),
            m.start() + len(m.group().rstrip(_PUNCTUATION)),
            normalize_text(m.group()).strip(_PUNCTUATION),
        )
        for m in re.finditer(r"\S+", text)
    ]
    for i, (start, _, word) in enumerate(tokens):
        if not _is_centre_noun(word, nouns):
            continue
        window = tokens[i + 1 : i + 1 + NOUN_WINDOW]
        for j in range(len(window)):
            kind = resolve_center_type(" ".join(w for _, _, w in window[: j + 1]), words)
            if kind:
                return kind, start, window[j][1]
    return None


def resolve_center_type(phrase: str, words: dict[str, list[str]]) -> str | None:
    """The type a phrase names, or ``None``."""
    if phrase in words:
        return phrase
    text = f" {normalize_text(phrase)} "
    for kind, kind_words in words.items():
        if any(f" {w} " in text or (len(w) >= 5 and w in text) for w in kind_words):
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
            if not seen and (found := find_typed_centre(text, self._words, self._nouns)):
                kind, start, end = found
                kept.append({"entity": CENTER_TYPE, "value": kind, "start": start, "end": end,
                             "confidence_entity": 1.0, "extractor": _EXTRACTOR})  # fmt: skip
            message.set(ENTITIES, kept, add_to_output=True)
        return messages
