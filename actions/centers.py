"""Finding the nearest social centre: the search form's validation and the action that answers.

The citizen gives a city (any spelling) or shares a location, and the kind of centre; the reply
(``actions/center_reply.py``) lists the nearest centres, or, when none of the kind is near, names the
place, the nearest one further away, the centres there that can also help and the national lines.
Directory edits are picked up without a restart; a broken edit keeps the previous directory in use.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.center_reply import MAX_RESULTS, SEARCH_RADIUS_KM, CenterReply, Where, city_near, map_link, named
from bot.geo.directory import CENTER_TYPES, DIRECTORY_DIR, DirectoryHolder
from bot.geo.gazetteer import City, default_gazetteer
from bot.i18n import parts

logger = logging.getLogger(__name__)
__all__ = ["MAX_RESULTS", "SEARCH_RADIUS_KM", "map_link"]
#: Intents under which free text is taken as an answer to "which city?".
CITY_ANSWER_INTENTS = ("inform", "find_center", "nlu_fallback")


class _DirectoryCache:
    """Loads the directory once and reloads it when a CSV file changes."""

    def __init__(self, folder: Path = DIRECTORY_DIR) -> None:
        self._folder = folder
        self._holder: DirectoryHolder | None = None
        self._stamp: tuple = ()

    def _current_stamp(self) -> tuple:
        return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(self._folder.glob("*.csv")))

    def get(self):
        stamp = self._current_stamp()
        if self._holder is None:
            self._holder = DirectoryHolder(self._folder)
        elif stamp != self._stamp and not self._holder.reload():
            logger.error("Centres directory not reloaded, previous one kept:\n%s", self._holder.last_error)
        self._stamp = stamp
        return self._holder.current


DIRECTORY = _DirectoryCache()


def _location(tracker: Tracker) -> Where | None:
    """Where to search from: shared coordinates (in the city they fall in, if any), else the city."""
    gazetteer = default_gazetteer()
    lat, lon = tracker.get_slot("latitude"), tracker.get_slot("longitude")
    try:
        if lat is not None and lon is not None:
            return Where(float(lat), float(lon), city_near(gazetteer, float(lat), float(lon)))
    except (TypeError, ValueError):
        pass
    city = gazetteer.cities.get(tracker.get_slot("city") or "")
    if city:
        return Where(city.lat, city.lon, city.id)
    return None


class ActionFindCenter(Action):
    """Answers the centre search (see ``actions/center_reply.py`` for what the reply holds)."""

    def name(self) -> str:
        return "action_find_center"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        where = _location(tracker)
        if where is None:
            dispatcher.utter_message(response="center_city_unknown")
            return []
        reply = CenterReply(DIRECTORY.get(), default_gazetteer())
        paragraphs = reply.compose(tracker.get_slot("center_type") or "general", where)
        dispatcher.utter_message(response="center_search_reply", parts=paragraphs, separator="\n\n")
        return []


class ValidateCenterSearchForm(FormValidationAction):
    """Asks only what is missing; a city in any spelling, or a shared location, is enough."""

    def name(self) -> str:
        return "validate_center_search_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        if tracker.get_slot("latitude") is not None and tracker.get_slot("longitude") is not None:
            return [slot for slot in domain_slots if slot != "city"]
        return domain_slots

    def validate_city(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        gazetteer = default_gazetteer()
        text = str(slot_value or "")
        if text in gazetteer.cities:
            return {"city": text}
        if not text.strip() or text.startswith("/"):
            return {"city": None}  # a button meant for another question: just ask again
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent not in CITY_ANSWER_INTENTS:
            return {"city": None}  # danger or another question: the dialogue answers it first, silently
        mentions = gazetteer.find_mentions(text)
        city = mentions[0][0] if mentions else gazetteer.resolve(text)
        if city:
            return {"city": city.id}
        suggestions = gazetteer.suggest(text)
        dispatcher.utter_message(
            response="center_city_unknown", choices=[button_for_city(c) for c in suggestions]
        )
        return {"city": None}

    def validate_center_type(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return {"center_type": slot_value if slot_value in CENTER_TYPES else None}


def button_for_city(city: City) -> dict:
    """A button, titled with the city's name, that answers the city question with a canonical city."""
    return parts.choice(named(city), f'/inform{{"city": "{city.id}"}}')
