"""Rasa component that maps every city mention to one canonical city id.

DIET finds city spans it has seen in context; the gazetteer resolves them ("فطنجة", "Tanja" →
``tangier``) and adds the mentions DIET missed. An unresolvable span keeps its text and is marked
``resolved: false`` so the dialogue can ask again with suggestions.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.geo.gazetteer import DEFAULT_GAZETTEER, Gazetteer
from bot.nlu.persisted_data import PersistedDataComponent
from bot.settings import ROOT

CITY = "city"
EXTRACTOR = "GazetteerCityResolver"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class GazetteerCityResolver(PersistedDataComponent):
    """Canonicalises ``city`` entities and adds missed city mentions."""

    _gazetteer: Gazetteer | None = None

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``gazetteer_file``: read at training time and stored in the model."""
        return {"gazetteer_file": str(DEFAULT_GAZETTEER.relative_to(ROOT))}

    def read_source(self) -> dict:
        """The gazetteer file, validated."""
        return Gazetteer.load(self._config["gazetteer_file"]).as_dict()

    def use(self, data: dict) -> None:
        """Resolves against this gazetteer."""
        self._gazetteer = Gazetteer.from_mapping(data, "model")

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
