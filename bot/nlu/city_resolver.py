"""Rasa component that maps every city mention to one canonical city id.

DIET finds city spans it has seen in context; the gazetteer resolves them ("فطنجة", "Tanja" →
``tangier``) and adds the mentions DIET missed. An unresolvable span keeps its text and is marked
``resolved: false`` so the dialogue can ask again with suggestions.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

from bot.geo.gazetteer import DEFAULT_GAZETTEER, Gazetteer

CITY = "city"
EXTRACTOR = "GazetteerCityResolver"
_FILE = "gazetteer.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class GazetteerCityResolver(GraphComponent):
    """Canonicalises ``city`` entities and adds missed city mentions."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``gazetteer_file``: read at training time and stored in the model."""
        return {"gazetteer_file": str(DEFAULT_GAZETTEER.relative_to(DEFAULT_GAZETTEER.parents[2]))}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._gazetteer = gazetteer

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GazetteerCityResolver:
        """Creates the component; the gazetteer is read when training."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Stores the gazetteer inside the model so the model is self-contained."""
        self._gazetteer = Gazetteer.load(self._config["gazetteer_file"])
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / _FILE, self._gazetteer.as_dict())
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GazetteerCityResolver:
        """Loads the gazetteer stored at training time."""
        with model_storage.read_from(resource) as directory:
            gazetteer = Gazetteer.from_mapping(read_json_file(directory / _FILE), "model")
        return cls(config, model_storage, resource, gazetteer)

    def process(self, messages: List[Message]) -> List[Message]:
        """Resolves city entities in place and appends gazetteer-only mentions."""
        if self._gazetteer is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            entities = [dict(e) for e in message.get(ENTITIES) or []]
            covered: list[tuple[int, int]] = []
            for entity in entities:
                if entity.get("entity") != CITY:
                    continue
                mention = text[entity["start"] : entity["end"]] or str(entity.get("value", ""))
                city = self._gazetteer.resolve(mention)
                entity["value"] = city.id if city else mention
                entity["resolved"] = city is not None
                covered.append((entity["start"], entity["end"]))
            for city, start, end in self._gazetteer.find_mentions(text):
                if not any(start < c_end and end > c_start for c_start, c_end in covered):
                    entities.append(
                        {"entity": CITY, "value": city.id, "start": start, "end": end,
                         "confidence_entity": 1.0, "extractor": EXTRACTOR, "resolved": True}
                    )  # fmt: skip
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their annotations."""
        return training_data
