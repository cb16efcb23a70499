"""Rasa component that tags every message with its language and script as entities.

The entities ``detected_language`` and ``detected_script`` fill the ``language`` and ``script``
slots, so replies follow the citizen's language message by message; when the detector is unsure
(e.g. "ok", "1") it emits no language entity and the slot keeps its previous value.
"""

from __future__ import annotations

from typing import Any, Dict, List

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_identification import VARIETY_LANGUAGE, LanguageIdentifier

EXTRACTOR = "LanguageDetector"
_MODEL_FILE = "language_identifier.joblib"


def training_pairs(training_data: TrainingData) -> tuple[list[str], list[str]]:
    """Texts and languages of the examples whose block carries a known ``variety`` tag."""
    texts: list[str] = []
    languages: list[str] = []
    for example in training_data.intent_examples:
        variety = ((example.get(METADATA) or {}).get(METADATA_INTENT) or {}).get("variety")
        if variety in VARIETY_LANGUAGE and example.get(TEXT):
            texts.append(example.get(TEXT))
            languages.append(VARIETY_LANGUAGE[variety])
    return texts, languages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LanguageDetector(GraphComponent):
    """Adds ``detected_language`` (ary/ar/fr) and ``detected_script`` (Arab/Latn) entities."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``min_confidence``: below it no language is emitted and the previous one is kept."""
        return {"min_confidence": 0.55}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        identifier: LanguageIdentifier | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._identifier = identifier or LanguageIdentifier(config["min_confidence"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Creates an untrained detector."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the identifier on the variety-tagged examples and persists it."""
        texts, languages = training_pairs(training_data)
        if len(set(languages)) >= 2:
            self._identifier.fit(texts, languages)
            with self._model_storage.write_to(self._resource) as directory:
                joblib.dump(self._identifier.pipeline, directory / _MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        """Loads the persisted identifier (an untrained one if nothing was persisted)."""
        try:
            with model_storage.read_from(resource) as directory:
                pipeline = joblib.load(directory / _MODEL_FILE)
        except (ValueError, FileNotFoundError):
            pipeline = None
        identifier = LanguageIdentifier(config["min_confidence"], pipeline)
        return cls(config, model_storage, resource, identifier)

    def process(self, messages: List[Message]) -> List[Message]:
        """Appends the language entities to each message."""
        for message in messages:
            text = message.get(TEXT) or ""
            guess = self._identifier.identify(text)
            entities = list(message.get(ENTITIES) or [])
            if guess.language:
                entities.append(_entity("detected_language", guess.language, guess.confidence, text))
            if guess.script:
                entities.append(_entity("detected_script", guess.script, 1.0, text))
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their own annotations."""
        return training_data


def _entity(name: str, value: str, confidence: float, text: str) -> Dict[str, Any]:
    return {
        "entity": name,
        "value": value,
        "start": 0,
        "end": len(text),
        "confidence": confidence,
        "extractor": EXTRACTOR,
    }
