"""Sparse sentence features over the Arabic-script form of every message.

Darija examples exist in Arabic script and in Arabizi; counted over one script (Arabizi words
transliterated by ``bot.text.arabizi_transliteration``), the character n-grams of "kaydrbni" and
"كيضربني" overlap, so an intent learnt from examples in one script is recognised in the other.
Only sentence-level features are produced: token-level features (for entities) stay on the
citizen's own spelling.
"""

from __future__ import annotations

from typing import Any, Dict, List

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer

from bot.text.arabizi_transliteration import arabic_script_form
from bot.text.normalization import clean_message

_MODEL_FILE = "cross_script_vectorizer.joblib"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class CrossScriptFeaturizer(SparseFeaturizer, GraphComponent):
    """Character n-gram counts of the message written in Arabic script."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``min_ngram``/``max_ngram``: character n-gram lengths (within word boundaries)."""
        return {**SparseFeaturizer.get_default_config(), "min_ngram": 2, "max_ngram": 4}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        name: str,
        vectorizer: CountVectorizer | None = None,
    ) -> None:
        super().__init__(name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizer = vectorizer

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrossScriptFeaturizer:
        """An untrained featurizer."""
        return cls(config, model_storage, resource, execution_context.node_name)

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the n-gram vocabulary from the training texts and persists it."""
        texts = [_form(m) for m in training_data.training_examples if m.get(TEXT) is not None]
        if not any(texts):
            return self._resource
        self._vectorizer = CountVectorizer(
            analyzer="char_wb", ngram_range=(self._config["min_ngram"], self._config["max_ngram"])
        ).fit(texts)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._vectorizer, directory / _MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CrossScriptFeaturizer:
        """The featurizer with its trained vocabulary (none when nothing was persisted)."""
        try:
            with model_storage.read_from(resource) as directory:
                vectorizer = joblib.load(directory / _MODEL_FILE)
        except (ValueError, FileNotFoundError):
            vectorizer = None
        return cls(config, model_storage, resource, execution_context.node_name, vectorizer)

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Fails early on impossible n-gram lengths."""
        if not 1 <= config["min_ngram"] <= config["max_ngram"]:
            raise ValueError("CrossScriptFeaturizer needs 1 <= min_ngram <= max_ngram")

    def _featurize(self, messages: List[Message]) -> None:
        if self._vectorizer is None:
            return
        with_text = [m for m in messages if m.get(TEXT) is not None]
        if not with_text:
            return
        counts = self._vectorizer.transform([_form(m) for m in with_text]).tocsr()
        for row, message in enumerate(with_text):
            self.add_features_to_message(sequence=None, sentence=counts[row], attribute=TEXT, message=message)

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes incoming messages."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes the training examples."""
        self._featurize(training_data.training_examples)
        return training_data


def _form(message: Message) -> str:
    return arabic_script_form(clean_message(message.get(TEXT)))
