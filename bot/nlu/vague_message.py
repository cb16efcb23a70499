"""Rasa component that sends a message made only of question or filler words to the fallback.

A lone "kifach?", "wach" or "comment ?" names no topic, yet a classifier still picks the intent
whose examples use that word most; the citizen is better served by "did you mean…" buttons. The
intent's confidence is set to 0 so the ``FallbackClassifier`` after it answers ``nlu_fallback``,
with the ranking kept for the buttons. The words live in ``data/fallback/vague_words.yml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.persisted_data import PersistedDataComponent
from bot.text.normalization import normalize_text

DEFAULT_FILE = Path("data/fallback/vague_words.yml")
_PUNCTUATION = "!?.,;:«»\"'()،؛؟…-"


def load_vague_words(path: Path = DEFAULT_FILE) -> list[str]:
    """Normalised vague words of every variety; a malformed file names itself."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    words = data.get("words")
    if not isinstance(words, dict) or not all(isinstance(v, list) for v in words.values()):
        raise ValueError(f"{path}: expected 'words' mapping each variety to a list")
    return sorted({normalize_text(str(w)) for items in words.values() for w in items if str(w).strip()})


def is_vague(text: str, words: set[str]) -> bool:
    """True when the message has at least one word and every word is a vague one."""
    tokens = [t.strip(_PUNCTUATION) for t in normalize_text(text).split()]
    tokens = [t for t in tokens if t]
    return bool(tokens) and all(t in words for t in tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class VagueMessageFilter(PersistedDataComponent):
    """Zeroes the intent confidence of messages made only of vague words."""

    _words: set[str] = set()  # noqa: RUF012 - replaced per instance by use()

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``words_file``: read at training time and stored in the model."""
        return {"words_file": str(DEFAULT_FILE)}

    def read_source(self) -> list[str]:
        """The normalised vague words."""
        return load_vague_words(Path(self._config["words_file"]))

    def use(self, data: list[str]) -> None:
        """Filters with these words."""
        self._words = set(data)

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets the confidence of a vague message's intent to 0."""
        for message in messages:
            intent = message.get(INTENT)
            if intent and intent.get("name") and is_vague(message.get(TEXT) or "", self._words):
                message.set(INTENT, {**intent, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
        return messages
