"""Rasa component that turns ``number`` entities into integers ("سبعين", "rb3a", "soixante" → 70, 4, 60).

When an ``inform`` answer carries a number DIET did not mark (e.g. "ana 3ndi 67"), the number is
added, so forms can rely on an integer value in every variety.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text.numbers import parse_number

NUMBER = "number"
EXTRACTOR = "NumberResolver"


_JOINER = re.compile(r"^[\s\-]*(?:و|w|et|u)?[\s\-]*$", re.IGNORECASE)


def merge_adjacent_numbers(text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Joins number spans separated only by "و"/"w"/"et"/"-" ("خمسة وستون" → one entity)."""
    numbers = sorted((e for e in entities if e.get("entity") == NUMBER), key=lambda e: e["start"])
    others = [e for e in entities if e.get("entity") != NUMBER]
    merged: List[Dict[str, Any]] = []
    for entity in numbers:
        if merged and _JOINER.match(text[merged[-1]["end"] : entity["start"]]):
            merged[-1] = {
                **merged[-1],
                "end": entity["end"],
                "value": text[merged[-1]["start"] : entity["end"]],
            }
        else:
            merged.append(dict(entity))
    return others + merged


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class NumberResolver(GraphComponent):
    """Gives ``number`` entities an integer value."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NumberResolver:
        """No state."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Parses number spans; adds a number to ``inform`` answers that have one."""
        for message in messages:
            text = message.get(TEXT) or ""
            entities = [dict(e) for e in message.get(ENTITIES) or []]
            entities = merge_adjacent_numbers(text, entities)
            numbers = [e for e in entities if e.get("entity") == NUMBER]
            for entity in numbers:
                value = parse_number(text[entity["start"] : entity["end"]])
                if value is not None:
                    entity["value"] = value
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not numbers and intent == "inform":
                value = parse_number(text)
                if value is not None:
                    entities.append(
                        {"entity": NUMBER, "value": value, "start": 0, "end": len(text),
                         "confidence_entity": 1.0, "extractor": EXTRACTOR}
                    )  # fmt: skip
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their annotations."""
        return training_data
