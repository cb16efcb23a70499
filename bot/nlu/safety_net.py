"""Rasa component that forces the ``emergency`` intent when a danger phrase is present.

It runs after the classifier and the fallback classifier, so neither a low confidence nor a
wrong label can hide a message such as "he has a knife": safety does not depend on the model.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

from bot.nlu.danger_terms import DEFAULT_TERMS_FILE, DangerTerms

EMERGENCY_INTENT = "emergency"
_TERMS_FILE = "danger_terms.json"
INTENT_RANKING = "intent_ranking"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SafetyNet(GraphComponent):
    """Overrides the predicted intent with ``emergency`` on a danger phrase."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``terms_file``: the YAML file of danger phrases, read at training time."""
        return {"terms_file": str(DEFAULT_TERMS_FILE)}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        terms: DangerTerms | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._terms = terms

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyNet:
        """Creates the component; terms are read when training."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Reads the terms file and stores it inside the model, so the model is self-contained."""
        self._terms = DangerTerms.load(self._config["terms_file"])
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / _TERMS_FILE, self._terms.as_dict())
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SafetyNet:
        """Loads the terms stored at training time."""
        with model_storage.read_from(resource) as directory:
            terms = DangerTerms.from_dict(read_json_file(directory / _TERMS_FILE))
        return cls(config, model_storage, resource, terms)

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets the emergency intent on messages that contain a danger phrase."""
        if self._terms is None:
            return messages
        for message in messages:
            phrase = self._terms.find(message.get(TEXT) or "")
            if phrase is None:
                continue
            forced = {INTENT_NAME_KEY: EMERGENCY_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [
                r for r in (message.get(INTENT_RANKING) or []) if r.get(INTENT_NAME_KEY) != EMERGENCY_INTENT
            ]
            message.set(INTENT, forced, add_to_output=True)
            message.set(INTENT_RANKING, [forced, *ranking], add_to_output=True)
            message.set("safety_net", True, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to training data."""
        return training_data
