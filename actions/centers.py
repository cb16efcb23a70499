"""Finding the nearest social centre: the search form's validation and the result message.

The citizen gives a city (any spelling) or shares a location, and the kind of centre; the reply
lists the nearest centres with distance and opening hours (both in the reply locale), phone, an
OpenStreetMap link and, for unverified rows, "call to confirm". Directory edits are picked up
without a restart; a broken edit keeps the previous directory in use.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List

from babel.numbers import format_decimal
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.locale import tracker_locale
from bot.geo.directory import CENTER_TYPES, DIRECTORY_DIR, DirectoryHolder
from bot.geo.gazetteer import default_gazetteer
from bot.geo.opening_hours import MESSAGE_KEYS as HOURS_KEYS
from bot.geo.opening_hours import format_opening_hours
from bot.i18n.catalogs import translate
from bot.i18n.render import render_text

logger = logging.getLogger(__name__)
SEARCH_RADIUS_KM = 150.0
#: Intents under which free text is taken as an answer to "which city?".
CITY_ANSWER_INTENTS = ("inform", "find_center", "nlu_fallback")
MAX_RESULTS = 3
BABEL_LOCALE = {"ary": "ar_MA", "ar": "ar_MA", "ary_Latn": "fr_MA", "fr": "fr_MA"}
#: Message keys this module renders itself (checked by ``make validate``).
MESSAGE_KEYS = (
    "center_results_header", "center_result_item", "center_unverified", "center_sample_notice",
    "center_none_nearby", "center_city_unknown", "unit_km", "center_no_phone",
    *(f"center_type_{t}" for t in CENTER_TYPES), *HOURS_KEYS,
)  # fmt: skip


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


def format_km(distance: float, locale: str) -> str:
    """ "2,4 km" / "2,4 كلم" with the locale's number format."""
    number = format_decimal(round(distance, 1), format="#,##0.#", locale=BABEL_LOCALE.get(locale, "fr_MA"))
    return f"{number} {translate('unit_km', locale)}"


def map_link(lat: float, lon: float) -> str:
    """An OpenStreetMap link centred on the point."""
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=16/{lat:.5f}/{lon:.5f}"


def _location(tracker: Tracker) -> tuple[float, float, str] | None:
    """Where to search from: shared coordinates, else the city's centre; with a place label."""
    lat, lon = tracker.get_slot("latitude"), tracker.get_slot("longitude")
    try:
        if lat is not None and lon is not None:
            return float(lat), float(lon), ""
    except (TypeError, ValueError):
        pass
    city = default_gazetteer().cities.get(tracker.get_slot("city") or "")
    if city:
        return city.lat, city.lon, city.id
    return None


class ActionFindCenter(Action):
    """Lists the nearest centres of the requested type."""

    def name(self) -> str:
        return "action_find_center"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        locale = tracker_locale(tracker)  # "Casablanca" as the answer keeps a Darija conversation in Darija
        center_type = tracker.get_slot("center_type")
        where = _location(tracker)
        if where is None:
            dispatcher.utter_message(text=render_text("center_city_unknown", locale))
            return []
        lat, lon, city_id = where
        directory = DIRECTORY.get()
        found = directory.nearest(lat, lon, center_type, limit=MAX_RESULTS, max_km=SEARCH_RADIUS_KM)
        type_label = translate(f"center_type_{center_type}", locale) if center_type else ""
        place = default_gazetteer().cities[city_id].name(locale) if city_id else ""
        if not found:
            dispatcher.utter_message(
                text=render_text(
                    "center_none_nearby", locale, {"radius": int(SEARCH_RADIUS_KM), "type": type_label}
                )
            )
            return []
        lines = [render_text("center_results_header", locale, {"type": type_label, "place": place})]
        for center, distance in found:
            item = render_text(
                "center_result_item",
                locale,
                {
                    "name": center.name(locale),
                    "distance": format_km(distance, locale),
                    "hours": format_opening_hours(center.hours, locale),
                    "phone": center.phone or translate("center_no_phone", locale),
                    "map": map_link(center.latitude, center.longitude),
                },
            )
            if not center.verified:
                item += "\n" + render_text("center_unverified", locale)
            lines.append(item)
        if directory.is_sample:
            lines.append(render_text("center_sample_notice", locale))
        dispatcher.utter_message(text="\n\n".join(lines))
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
        locale = tracker_locale(tracker)
        suggestions = gazetteer.suggest(text)
        dispatcher.utter_message(
            text=render_text("center_city_unknown", locale),
            buttons=[button_for_city(c.id, c.name(locale)) for c in suggestions],
        )
        return {"city": None}

    def validate_center_type(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return {"center_type": slot_value if slot_value in CENTER_TYPES else None}


def button_for_city(city_id: str, title: str) -> dict:
    """A button that answers the city question with a canonical city."""
    return {"title": title, "payload": f'/inform{{"city": "{city_id}"}}'}
