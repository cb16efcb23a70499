"""Rasa component that marks a message in which no word is known as "nothing understood".

A classifier always picks some intent: keyboard mashing ("sdfkjh qwpoei") came out as a greeting,
as out of scope, or as an emergency, and the language detector took it for French. A message none
of whose words is a word of the training data, of the danger terms or a near spelling of one
(one letter added, dropped, changed or swapped), and in which no entity was found (a city, a
number), names nothing the assistant can act on. Its intent confidence is set to 0, so the
``FallbackClassifier`` answers ``nlu_fallback``; the message is marked ``nothing_understood`` for the
fallback action; and its language entities are dropped, so the conversation keeps its language.

The vocabulary is read from the training examples when the model is trained and kept in the model.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterable, List

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file

from bot.nlu.persisted_data import _STORED, PersistedDataComponent
from bot.text.normalization import normalize_text

NOTHING_UNDERSTOOD = "nothing_understood"
DEFAULT_DANGER_TERMS = Path("data/safety/danger_terms.yml")
#: A word: letters and digits together (Arabizi writes sounds with digits: "3la", "l9it").
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Entities found by rules (a city, a number, a centre type) show the message names something; the
#: statistical extractor's guesses on unknown words do not.
RULE_EXTRACTORS = ("GazetteerCityResolver", "NumberResolver", "CenterTypeResolver")
#: A letter added or dropped is forgiven from this length on, a letter changed or two swapped from the
#: next: shorter words have too many near neighbours ("fdsa" is one letter from dozens of words).
MIN_FUZZY_LENGTH = 5


def words_of(text: str) -> list[str]:
    """The normalised words of ``text``, numbers left out (a number is never unknown)."""
    return [word for word in _WORD.findall(normalize_text(text)) if not word.isdigit()]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Vocabulary:
    """Known words, and a one-deletion index so that a spelling one edit away is known too."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = set(words)
        self._index: set[str] = set()
        for word in self.words:
            if len(word) >= MIN_FUZZY_LENGTH - 1:
                self._index |= _deletions(word)

    def knows(self, word: str) -> bool:
        """In the vocabulary, or one letter added, dropped, changed or two letters swapped."""
        if word in self.words:
            return True
        if len(word) < MIN_FUZZY_LENGTH:
            return False
        if word in self._index or any(d in self.words for d in _deletions(word)):
            return True  # one letter added to, or dropped from, a known word
        return len(word) > MIN_FUZZY_LENGTH and any(d in self._index for d in _deletions(word))


def nothing_understood(text: str, vocabulary: Vocabulary) -> bool:
    """True when ``text`` has words and none of them is known."""
    words = words_of(text)
    return bool(words) and not any(vocabulary.knows(word) for word in words)


def _danger_words(path: Path) -> set[str]:
    """Every word of the danger terms file (phrases, exceptions, lone calls, courtesy words)."""
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}
    phrases: list[str] = []
    for section in ("phrases", "violence_phrases", "exceptions", "alone_phrases", "courtesy_words"):
        items = data.get(section) or {}
        for values in items.values() if isinstance(items, dict) else [items]:
            phrases += [str(item) for item in values or []]
    return {word for phrase in phrases for word in words_of(phrase)}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NothingUnderstoodFilter(PersistedDataComponent):
    """Sends a message with no known word to the fallback, marked, without a language."""

    _vocabulary: Vocabulary = Vocabulary(())

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``danger_terms_file``: its words count as known (the safety net reads them)."""
        return {"danger_terms_file": str(DEFAULT_DANGER_TERMS)}

    def use(self, data: list[str]) -> None:
        """Filters with this vocabulary."""
        self._vocabulary = Vocabulary(data)

    def train(self, training_data: TrainingData) -> Resource:
        """Collects the words of every training example and of the danger terms."""
        words = _danger_words(Path(self._config["danger_terms_file"]))
        for example in training_data.training_examples:
            words.update(words_of(example.get(TEXT) or ""))
        data = sorted(words)
        self.use(data)
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / _STORED, data)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Marks messages with nothing known; drops their language; zeroes their intent."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            entities = message.get(ENTITIES) or []
            if any(e.get("extractor") in RULE_EXTRACTORS for e in entities):
                continue
            if not nothing_understood(text, self._vocabulary):
                continue
            message.set(ENTITIES, [], add_to_output=True)
            message.set(NOTHING_UNDERSTOOD, True, add_to_output=True)
            intent = message.get(INTENT)
            if intent and intent.get("name"):
                message.set(INTENT, {**intent, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
        return messages
