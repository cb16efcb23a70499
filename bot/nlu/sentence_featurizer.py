"""Dense sentence features from a multilingual sentence encoder, next to the sparse n-grams.

Meaning-level features help where spellings differ completely (MSA vs Darija vs French for the
same request); `make eval` measures the pipeline with and without them.
"""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.embeddings.encoders import load_encoder
from bot.text.normalization import clean_message

_BATCH = 64


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one sentence-level dense feature vector per message text."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``backend``: ``use`` or ``sentence-transformers``; ``model``: path or package:NAME."""
        return {**DenseFeaturizer.get_default_config(), "backend": "use", "model": None}

    def __init__(self, config: Dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._encoder = load_encoder(config["backend"], config.get("model"))

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        """Creates the featurizer and loads the encoder."""
        return cls(config, execution_context.node_name)

    def _featurize(self, messages: List[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        for start in range(0, len(with_text), _BATCH):
            batch = with_text[start : start + _BATCH]
            vectors = self._encoder.encode([clean_message(m.get(TEXT)) for m in batch])
            for message, vector in zip(batch, vectors, strict=True):
                self.add_features_to_message(
                    sequence=None, sentence=np.asarray([vector]), attribute=TEXT, message=message
                )

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes incoming messages."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes the training examples."""
        self._featurize(training_data.training_examples)
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Fails early on an unknown backend."""
        if config.get("backend") not in ("use", "sentence-transformers"):
            raise ValueError(f"Unknown backend {config.get('backend')!r}")
