"""Base for NLU components that read a content file at training time and keep it in the model.

The danger terms, the gazetteer and the centre-type words are edited by content teams as files;
storing what was read inside the trained model makes the model self-contained and reproducible
(a later edit takes effect with the next training, which `make train` triggers).
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from pathlib import Path
from typing import Any, Dict

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

_STORED = "content.json"


class PersistedDataComponent(GraphComponent):
    """Reads ``read_source()`` when training, stores it as JSON, hands it to ``use()`` when loaded."""

    def __init__(
        self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource, data: Any | None = None
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        if data is not None:
            self.use(data)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str | None:
        """Hash of the content files (every ``*_file`` setting) and of the component's module.

        Rasa's training cache keys a component on its config, its inputs and its class's own source,
        so without this an edited danger-terms file or gazetteer would silently reuse the component
        trained on the old content (seen in cross-validation, which trains without ``--force``).
        """
        digest = hashlib.sha256(inspect.getsource(sys.modules[cls.__module__]).encode())
        for key in sorted(k for k in config if k.endswith("_file")):
            path = Path(str(config[key]))
            digest.update(key.encode())
            digest.update(path.read_bytes() if path.is_file() else b"<missing>")
        return digest.hexdigest()

    def read_source(self) -> Any:
        """The JSON-serialisable content read from the configured file."""
        raise NotImplementedError

    def use(self, data: Any) -> None:
        """Takes the content into use (after training or loading)."""
        raise NotImplementedError

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PersistedDataComponent:
        """An untrained component: content is read when training."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Reads the content file and stores its content in the model."""
        data = self.read_source()
        self.use(data)
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / _STORED, data)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> PersistedDataComponent:
        """The component with the content stored at training time."""
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, read_json_file(directory / _STORED))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their own annotations."""
        return training_data
