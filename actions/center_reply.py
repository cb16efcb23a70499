"""The nearest-centre reply, paragraph by paragraph: never "nothing" when something can help.

- A generic "social centre" (type ``general``) in a city: the city's centres, grouped by type.
- A type with centres within the search radius: the nearest ones.
- A type with none within the radius: the place is named, the nearest centre of the type further
  away is given with its distance, the centres of the place that can also help are listed (for a
  woman, the violence care units, with the sourced fact that such units exist in courts, hospitals,
  police and gendarmerie), then the national lines for the topic.
- Women and violence: the EMF page of the ministry and 8350 come before any sample centre.
- Sample rows (``source`` = ``sample``): the "sample data, not real centres" notice comes first and
  each such row says it is an example; unverified rows show neither opening hours nor a map pin, and
  "call to confirm" only next to a phone number.

The paragraphs are parts (``bot/i18n/parts.py``) that the NLG renders in the reply locale: names of
places and centres in every locale, distances and opening hours as values it formats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from bot.geo.directory import CENTER_TYPES, Center, CenterDirectory
from bot.geo.gazetteer import City, Gazetteer
from bot.i18n import parts
from bot.i18n.catalogs import LOCALES

SEARCH_RADIUS_KM = 150.0
MAX_RESULTS = 3
#: At most this many centres per type in a city's overview.
MAX_PER_GROUP = 3
#: A shared location counts as being in a city when the city's centre is this close.
CITY_RADIUS_KM = 25.0
#: Types whose seekers are women who may face violence: the EMF page and 8350 come first.
WOMEN_TYPES = ("women", "violence_unit")
#: Other centres of the place that can also help, per requested type.
ALSO_HELPS = {
    "women": ("violence_unit",),
    "violence_unit": ("women",),
    "elderly": ("general",),
    "disability": ("general",),
    "children": ("general",),
    "homeless": ("general",),
    "general": (),
}
#: The national lines paragraph per requested type (women's types get ``center_emf_first``).
LINES_KEY = {"children": "center_lines_children"}


@dataclass(frozen=True)
class Where:
    """Where the citizen searches from: a point, and the gazetteer city it is in (if any)."""

    lat: float
    lon: float
    city_id: str = ""


def map_link(lat: float, lon: float) -> str:
    """An OpenStreetMap link centred on the point."""
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=16/{lat:.5f}/{lon:.5f}"


def city_near(gazetteer: Gazetteer, lat: float, lon: float) -> str:
    """The gazetteer city whose centre is within ``CITY_RADIUS_KM`` of the point, nearest first."""
    best, best_km = "", CITY_RADIUS_KM
    for city in gazetteer.cities.values():
        km = _km(lat, lon, city.lat, city.lon)
        if km <= best_km:
            best, best_km = city.id, km
    return best


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def named(place: Center | City) -> dict:
    """A centre's or a city's name in each reply locale."""
    return parts.by_locale({locale: place.name(locale) for locale in LOCALES})


def center_item(center: Center, distance: float) -> dict:
    """One centre: full details for a verified row; an example or "to confirm" line otherwise."""
    values: dict = {"name": named(center), "distance": parts.km(distance), "phone": center.phone}
    if center.verified:
        values.update(
            hours=parts.opening_hours(center.opening_hours),
            phone=center.phone or parts.word("center_no_phone"),
            map=map_link(center.latitude, center.longitude),
        )
        return parts.text("center_result_item", **values)
    if center.is_sample:
        return parts.text("center_result_item_sample", **values)
    if center.phone:
        return parts.text("center_result_item_unverified", **values)
    return parts.text("center_result_item_unverified_no_phone", **values)


class CenterReply:
    """Builds the paragraphs of one reply (each paragraph is sent as its own message by REST)."""

    def __init__(self, directory: CenterDirectory, gazetteer: Gazetteer) -> None:
        self.directory = directory
        self.gazetteer = gazetteer

    @staticmethod
    def _type(center_type: str) -> dict:
        return parts.word(f"center_type_{center_type}")

    def _place(self, where: Where) -> dict:
        if where.city_id and where.city_id in self.gazetteer.cities:
            return named(self.gazetteer.cities[where.city_id])
        return parts.word("center_place_location")

    @staticmethod
    def _text(key: str, **values: object) -> dict:
        return parts.text(key, **values)

    @staticmethod
    def _items(found: Sequence[tuple[Center, float]]) -> list[dict]:
        return [center_item(center, km) for center, km in found]

    def _lines(self, center_type: str) -> dict:
        if center_type in WOMEN_TYPES:
            return self._text("center_emf_first")
        return self._text(LINES_KEY.get(center_type, "center_lines_other"))

    @staticmethod
    def _shown(found: Sequence[tuple[Center, float]]) -> list[Center]:
        return [center for center, _ in found]

    def _with_notice(self, shown: Sequence[Center], paragraphs: list[dict]) -> list[dict]:
        """The sample notice first whenever any centre shown is a sample row."""
        if any(center.is_sample for center in shown):
            return [self._text("center_sample_notice"), *paragraphs]
        return paragraphs

    def compose(self, center_type: str, where: Where) -> list[dict]:
        """The reply's paragraphs for a search of ``center_type`` from ``where``."""
        if center_type not in CENTER_TYPES or center_type == "general":
            return self.overview(where)
        found = self.directory.nearest(where.lat, where.lon, center_type, MAX_RESULTS, SEARCH_RADIUS_KM)
        if found:
            return self.results(center_type, where, found)
        return self.nothing_near(center_type, where)

    def results(self, center_type: str, where: Where, found: Sequence[tuple[Center, float]]) -> list[dict]:
        """The nearest centres of the type; for women, the EMF page and 8350 before sample centres."""
        paragraphs = []
        if center_type in WOMEN_TYPES and any(not c.verified for c in self._shown(found)):
            paragraphs.append(self._text("center_emf_first"))
        if where.city_id:
            header = self._text(
                "center_results_header_place", type=self._type(center_type), place=self._place(where)
            )
        else:
            header = self._text("center_results_header", type=self._type(center_type))
        paragraphs += [header, *self._items(found)]
        return self._with_notice(self._shown(found), paragraphs)

    def nothing_near(self, center_type: str, where: Where) -> list[dict]:
        """None within the radius: name the place, the nearest further away, who else helps, the lines."""
        place = self._place(where)
        paragraphs = [
            self._text(
                "center_none_in_radius",
                type=self._type(center_type),
                radius=int(SEARCH_RADIUS_KM),
                place=place,
            )
        ]
        shown: list[Center] = []
        if center_type in WOMEN_TYPES:
            paragraphs.append(self._lines(center_type))
        further = self.directory.nearest(where.lat, where.lon, center_type, 1, math.inf)
        if further:
            center, km = further[0]
            city = self.gazetteer.cities.get(center.city)
            paragraphs.append(
                self._text(
                    "center_nearest_further",
                    type=self._type(center_type),
                    distance=parts.km(km),
                    place=named(city) if city else center.city,
                )
            )
            paragraphs.append(center_item(center, km))
            shown.append(center)
        else:
            paragraphs.append(self._text("center_none_of_type", type=self._type(center_type)))
        helpers = self._also_helps(center_type, where)
        if helpers:
            paragraphs.append(self._text("center_also_helps", place=place))
            paragraphs += self._items(helpers)
            shown += self._shown(helpers)
        if center_type == "women":
            paragraphs.append(self._text("center_care_units"))
        if center_type not in WOMEN_TYPES:
            paragraphs.append(self._lines(center_type))
        return self._with_notice(shown, paragraphs)

    def _also_helps(self, center_type: str, where: Where) -> list[tuple[Center, float]]:
        """Centres of the place, of the types that can also help, nearest first."""
        found: list[tuple[Center, float]] = []
        for kind in ALSO_HELPS.get(center_type, ()):
            if where.city_id:
                found += self.directory.in_city(where.city_id, where.lat, where.lon, kind)[:MAX_RESULTS]
            else:
                found += self.directory.nearest(where.lat, where.lon, kind, MAX_RESULTS, CITY_RADIUS_KM)
        return found

    def overview(self, where: Where) -> list[dict]:
        """A generic social centre: the centres of the place grouped by type (else the nearest ones)."""
        if where.city_id:
            found = self.directory.in_city(where.city_id, where.lat, where.lon)
            header = "center_overview_header"
        else:
            found = []
        if not found:
            found = self.directory.nearest(where.lat, where.lon, None, MAX_RESULTS * 2, SEARCH_RADIUS_KM)
            header = "center_overview_nearby_header"
        if not found:
            return self.nothing_near("general", where)
        paragraphs = [self._text(header, place=self._place(where))]
        shown: list[Center] = []
        for kind in CENTER_TYPES:
            group = [(c, km) for c, km in found if c.types[0] == kind][:MAX_PER_GROUP]
            if group:
                paragraphs.append(
                    parts.joined(
                        [self._text("center_type_group", type=self._type(kind)), *self._items(group)]
                    )
                )
                shown += self._shown(group)
        if any(kind in c.types for c in shown for kind in WOMEN_TYPES) and any(not c.verified for c in shown):
            paragraphs.insert(0, self._text("center_emf_first"))
        return self._with_notice(shown, paragraphs)
