"""Rasa component that gives every ``center_type`` entity one of the known types.

DIET finds phrases such as "centre pour personnes handicapées" or "فضاء متعدد الاختصاصات ديال
النساء"; the synonym mapper only knows phrases seen in training. Here the phrase is matched
against the words of ``data/gazetteer/center_types.yml`` (normalised, most specific type first);
a phrase with no known word is dropped rather than passed on as an unknown type.
"""

from __future__ import annotations

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


def load_center_words(path: Path = DEFAULT_FILE) -> dict[str, list[str]]:
    """Type → normalised words, in the file's order (most specific first)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {
        kind: [normalize_text(str(w)) for w in words] for kind, words in (data.get("types") or {}).items()
    }


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

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``words_file``: read at training time and stored in the model."""
        return {"words_file": str(DEFAULT_FILE)}

    def read_source(self) -> dict:
        """Type → normalised words."""
        return load_center_words(Path(self._config["words_file"]))

    def use(self, data: dict) -> None:
        """Resolves with these words."""
        self._words = data

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
            message.set(ENTITIES, kept, add_to_output=True)
        return messages
