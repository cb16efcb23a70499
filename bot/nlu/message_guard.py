"""First pipeline step at inference: strip control characters and cut overlong messages.

Training data is left untouched (its entity offsets must stay valid); only incoming messages are
cleaned, so a 20,000-character paste or a stray NUL byte never reaches the featurizers.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text.normalization import MAX_MESSAGE_CHARS, clean_message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MessageGuard(GraphComponent):
    """Cleans incoming text in place before tokenisation."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``max_chars``: messages are cut at this length (on a word boundary when possible)."""
        return {"max_chars": MAX_MESSAGE_CHARS}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageGuard:
        """Creates the guard."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves training data as written by the content team."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Cleans and cuts the text of each incoming message."""
        for message in messages:
            original = message.get(TEXT) or ""
            cleaned = clean_message(original, self._max_chars)
            if cleaned != original:
                message.set(TEXT, cleaned)
        return messages
