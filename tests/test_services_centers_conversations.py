"""Services catalogue and nearest-centre conversations through the real REST channel, per variety.

For Darija in Arabic script (ary), Darija in Latin letters (ary_Latn), Modern Standard Arabic (ar)
and French (fr): the services menu → an area button → a service button → the service sheet; a
free-text services question; the centre search with a city typed in the variety's spelling, with a
shared location, with an unknown city, and from a point far from every centre. Buttons are pressed
by sending their payload back, as a channel does. Expected texts come from the data files
(data/services/*.yml, data/centers/*.csv, data/gazetteer/cities.yml) and the Babel catalogues;
the nearest centres are computed here by brute force over the CSV rows.
"""

from __future__ import annotations

import csv
import json
import math
import re
import uuid
from dataclasses import dataclass

import pytest
import yaml

from actions.centers import MAX_RESULTS, SEARCH_RADIUS_KM
from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate
from bot.settings import ROOT

pytestmark = pytest.mark.server

SERVICES_DIR = ROOT / "data" / "services"
CENTERS_DIR = ROOT / "data" / "centers"
CITIES_FILE = ROOT / "data" / "gazetteer" / "cities.yml"
CENTER_TYPES = ("women", "violence_unit", "elderly", "disability", "children", "homeless", "general")
#: Which name of a city (cities.yml ``names``) a reply locale shows.
CITY_NAME_KEY = {"ary": "ar", "ar": "ar", "ary_Latn": "ary_latn", "fr": "fr"}
#: Reply locale → (``language`` slot, ``script`` slot).
LANGUAGE_SLOTS = {
    "ary": ("ary", "Arab"),
    "ary_Latn": ("ary", "Latn"),
    "ar": ("ar", "Arab"),
    "fr": ("fr", "Latn"),
}


@dataclass(frozen=True)
class Variety:
    """One language variety and the citizen messages written in it (none is a training example)."""

    locale: str
    free_question: str  # a free-text services question …
    free_service: str  # … answered by this service's sheet
    topic: str  # area button pressed in the menu
    service: str  # service button pressed in that area
    general_question: str  # "which social services are there?" → the areas as buttons
    jisr_question: str  # a question about the Jisr strategy itself → the Jisr sheet, not the menu
    city_question: str  # find a centre in a city (this variety's spelling), no type
    city: str  # the city's gazetteer id
    center_type: str  # the type button pressed after the city question
    type_question: str  # find a centre of a type, no city
    type_value: str  # the type that question names
    near: tuple[float, float]  # a shared location near sample centres of that type
    far: tuple[float, float]  # a shared location inside Morocco, far from every centre
    unknown_city: str  # a misspelt city the gazetteer does not know …
    suggested: str  # … and the city it should suggest
    bare_city: str  # a city name alone that the language detector takes for another variety …
    bare_city_id: str  # … and its gazetteer id


VARIETIES = [
    Variety(
        locale="ary",
        free_question="شنو هوما الخدمات ديال صندوق التماسك الاجتماعي؟",
        free_service="fapscs_fund",
        topic="disability",
        service="disability_card",
        general_question="شنو هوما الخدمات الاجتماعية اللي كاينين فبلادنا؟",
        jisr_question="عافاك شرح ليا شنو هي استراتيجية جسر",
        city_question="فين كاين شي مركز ف أكادير؟",
        city="agadir",
        center_type="elderly",
        type_question="بغيت مركز ديال الدراري قريب ليا",
        type_value="children",
        near=(34.02, -6.83),  # Rabat
        far=(32.11, -1.23),  # Figuig, desert of the Oriental
        unknown_city="طنجاوة",
        suggested="tangier",
        bare_city="Rabat",
        bare_city_id="rabat",
    ),
    Variety(
        locale="ary_Latn",
        free_question="chno homa lkhadamat dyal lkhayriya w mo2assasat ri3aya ijtima3iya?",
        free_service="eps_social_protection",
        topic="social_aid",
        service="rsu_registration",
        general_question="chno homa lkhadamat ijtima3iya li kaynin f bladna?",
        jisr_question="chno hiya had stratijiya dyal jisr?",
        city_question="fin kayn chi markaz f Tanja?",
        city="tangier",
        center_type="disability",
        type_question="bghit markaz dyal l3ajaza 9rib liya",
        type_value="elderly",
        near=(30.42, -9.58),  # Agadir
        far=(30.92, -6.91),  # Ouarzazate, pre-Saharan valleys
        unknown_city="Agadirville",
        suggested="agadir",
        bare_city="Oujda",
        bare_city_id="oujda",
    ),
    Variety(
        locale="ar",
        free_question="ما هي خدمات مؤسسات الرعاية الاجتماعية؟",
        free_service="eps_social_protection",
        topic="children",
        service="kafala",
        general_question="ما هي الخدمات الاجتماعية الموجودة في بلادنا؟",
        jisr_question="ما المقصود باستراتيجية جسر؟",
        city_question="أين يوجد أقرب مركز في وجدة؟",
        city="oujda",
        center_type="homeless",
        type_question="أبحث عن مركز للأطفال",
        type_value="children",
        near=(35.76, -5.81),  # Tangier
        far=(23.60, -15.95),  # the bay of Dakhla
        unknown_city="وجدةستان",
        suggested="oujda",
        bare_city="طنجة",
        bare_city_id="tangier",
    ),
    Variety(
        locale="fr",
        free_question="Quels services propose le Fonds d'appui à la cohésion sociale ?",
        free_service="fapscs_fund",
        topic="women",
        service="line_8350",
        general_question="Quels services sociaux existent au Maroc ?",
        jisr_question="Que signifie la stratégie Jisr pour les citoyens ?",
        city_question="Où trouver un centre à Errachidia ?",
        city="errachidia",
        center_type="elderly",
        type_question="Où est le centre pour handicapés le plus proche ?",
        type_value="disability",
        near=(34.68, -1.91),  # Oujda
        far=(28.44, -11.10),  # Tan-Tan, desert of the south
        unknown_city="Oujdaville",
        suggested="oujda",
        bare_city="Tanja",
        bare_city_id="tangier",
    ),
]
IDS = [v.locale for v in VARIETIES]


# ---------------------------------------------------------------- expected values, from the data files
def services() -> dict[str, dict]:
    """data/services/<id>.yml, by id."""
    found = {}
    for path in sorted(SERVICES_DIR.glob("*.yml")):
        if path.name != "topics.yml":
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            found[data["id"]] = data
    return found


def topic_titles() -> dict[str, dict[str, str]]:
    rows = yaml.safe_load((SERVICES_DIR / "topics.yml").read_text(encoding="utf-8"))["topics"]
    return {row["id"]: row["title"] for row in rows}


def cities() -> dict[str, dict]:
    return {c["id"]: c for c in yaml.safe_load(CITIES_FILE.read_text(encoding="utf-8"))["cities"]}


def centre_rows() -> list[dict]:
    rows = []
    for path in sorted(CENTERS_DIR.glob("*.csv")):
        rows.extend(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    return rows


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def nearest_rows(lat: float, lon: float, center_type: str) -> list[tuple[dict, float]]:
    """Every centre of the type within the search radius, nearest first, at most MAX_RESULTS."""
    ranked = sorted(
        (
            (row, km_between(lat, lon, float(row["latitude"]), float(row["longitude"])))
            for row in centre_rows()
            if center_type in row["types"].split("|")
        ),
        key=lambda pair: pair[1],
    )
    return [(row, km) for row, km in ranked if km <= SEARCH_RADIUS_KM][:MAX_RESULTS]


def fill(template: str, **values: object) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def expected_km(distance: float, locale: str) -> str:
    """ "2,4 km" / "2,4 كلم": one decimal (none when it is 0), comma as in Moroccan Arabic and French."""
    number = f"{round(distance, 1):.1f}".removesuffix(".0").replace(".", ",")
    return f"{number} {translate('unit_km', locale)}"


def expected_hours(opening_hours: str, locale: str) -> str:
    """The sample rows' hours (OSM syntax) as said in the locale, from the catalogue's words."""
    every_day = fill(translate("hours_rule", locale), days=translate("hours_every_day", locale))
    weekdays = fill(
        translate("hours_day_range", locale),
        first=translate("hours_day_mo", locale),
        last=translate("hours_day_fr", locale),
    )
    said = {
        "24/7": fill(every_day, times=translate("hours_open_24h", locale)),
        "Mo-Su 18:00-08:00": fill(every_day, times="18:00–08:00"),
        "Mo-Fr 08:30-16:30": fill(translate("hours_rule", locale), days=weekdays, times="08:30–16:30"),
    }
    assert opening_hours in said, f"no expected text for the hours {opening_hours!r}: add it here"
    return said[opening_hours]


def is_sample(row: dict) -> bool:
    return row["source"].strip().lower() == "sample"


def expected_item(row: dict, km: float, locale: str) -> str:
    """One centre as the reply shows it: full details only for a verified row."""
    name = row["name_ar"] if locale in ("ary", "ar") else row["name_fr"]
    phone = re.sub(r"[\s.\-()]", "", row["phone"])
    values = {"name": name, "distance": expected_km(km, locale), "phone": phone}
    if row["verified"].strip().lower() == "true":
        lat_c, lon_c = float(row["latitude"]), float(row["longitude"])
        return fill(
            translate("center_result_item", locale),
            **values,
            hours=expected_hours(row["opening_hours"], locale),
            phone=phone or translate("center_no_phone", locale),
            map=f"https://www.openstreetmap.org/?mlat={lat_c:.5f}&mlon={lon_c:.5f}#map=16/{lat_c:.5f}/{lon_c:.5f}",
        )
    if is_sample(row):
        return fill(translate("center_result_item_sample", locale), **values)
    key = "center_result_item_unverified" if phone else "center_result_item_unverified_no_phone"
    return fill(translate(key, locale), **values)


def city_near_point(lat: float, lon: float) -> str:
    """The gazetteer city whose centre is within 25 km of the point (the reply names it), or ''."""
    ranked = sorted((km_between(lat, lon, c["lat"], c["lon"]), c["id"]) for c in cities().values())
    return ranked[0][1] if ranked[0][0] <= 25.0 else ""


def place_name(city_id: str, locale: str) -> str:
    if not city_id:
        return translate("center_place_location", locale)
    return cities()[city_id]["names"][CITY_NAME_KEY[locale]]


def expected_results(lat: float, lon: float, center_type: str, locale: str, city_id: str) -> list[str]:
    """The results reply: the sample notice first (sample rows shown), for women the EMF page and 8350,
    the header naming the place, one item per centre (the REST channel sends each paragraph of a reply
    as its own message)."""
    found = nearest_rows(lat, lon, center_type)
    assert found, "the test's location must have sample centres of the type nearby"
    parts = []
    if any(is_sample(row) for row, _ in found):
        parts.append(translate("center_sample_notice", locale))
    if center_type in ("women", "violence_unit"):
        parts.append(translate("center_emf_first", locale))
    parts.append(
        fill(
            translate("center_results_header_place", locale),
            type=translate(f"center_type_{center_type}", locale),
            place=place_name(city_id, locale),
        )
    )
    parts.extend(expected_item(row, km, locale) for row, km in found)
    return parts


# ---------------------------------------------------------------- talking to the assistant
def _sender() -> str:
    return f"svc-{uuid.uuid4().hex[:12]}"


def _texts(replies: list[dict]) -> list[str]:
    return [strip_bidi_marks(r["text"]) for r in replies if r.get("text")]


def _press(assistant, sender: str, replies: list[dict], payload: str) -> list[dict]:
    """Presses the reply's button with this payload: sends the payload back, as a channel does."""
    payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
    assert payload in payloads, f"no button {payload!r} among {payloads}"
    return assistant.say(sender, payload)


def _share_location(assistant, sender: str, lat: float, lon: float) -> list[dict]:
    body = json.dumps({"sender": sender, "location": {"latitude": lat, "longitude": lon}}).encode()
    status, answer = assistant.post_raw(body)
    assert status == 200, answer
    return json.loads(answer)


def _assert_reply_locale(assistant, sender: str, locale: str) -> None:
    slots = assistant.tracker(sender)["slots"]
    language = slots.get("chosen_language") or slots.get("language")
    assert (language, slots.get("script")) == LANGUAGE_SLOTS[locale]


def _sheet_texts(service: dict, locale: str) -> dict[str, str]:
    return {
        field: service["text"][locale][field] for field in ("title", "summary", "how", "documents", "where")
    }


def _expected_sheet(service: dict, locale: str) -> str:
    return fill(
        translate("service_sheet", locale),
        **_sheet_texts(service, locale),
        source=service["source"],
        checked=service["checked"],
    )


# ---------------------------------------------------------------- services catalogue
def _assert_menu(replies: list[dict], locale: str) -> None:
    catalogue, titles = services(), topic_titles()
    assert _texts(replies) == [translate("utter_services_menu", locale)]
    areas_with_services = [t for t in titles if any(s["topic"] == t for s in catalogue.values())]
    assert [(b["title"], b["payload"]) for b in replies[0]["buttons"]] == [
        (titles[t][locale], f'/ask_services{{"service_topic": "{t}"}}') for t in areas_with_services
    ]


@pytest.mark.parametrize("variety", VARIETIES, ids=IDS)
def test_free_text_question_gets_a_service_sheet_then_the_menu_leads_to_another_sheet(assistant, variety):
    locale, catalogue, titles = variety.locale, services(), topic_titles()
    sender = _sender()

    found = assistant.say(sender, variety.free_question)
    assert _texts(found) == [_expected_sheet(catalogue[variety.free_service], locale)]
    payloads = [b["payload"] for b in found[0]["buttons"]]
    assert payloads[-1] == "/ask_services"
    assert all(
        re.fullmatch(r'/ask_services\{"service_id": "(\w+)"\}', p)[1] in catalogue for p in payloads[:-1]
    ), "other likely services, then the menu"
    _assert_reply_locale(assistant, sender, locale)

    menu = _press(assistant, sender, found, "/ask_services")
    _assert_menu(menu, locale)

    area = _press(assistant, sender, menu, f'/ask_services{{"service_topic": "{variety.topic}"}}')
    assert _texts(area) == [fill(translate("services_of_topic", locale), topic=titles[variety.topic][locale])]
    in_area = sorted(s for s, data in catalogue.items() if data["topic"] == variety.topic)
    assert [(b["title"], b["payload"]) for b in area[0]["buttons"]] == [
        *(
            (catalogue[s]["text"][locale]["title"][:60], f'/ask_services{{"service_id": "{s}"}}')
            for s in in_area
        ),
        (translate("btn_menu", locale), "/ask_services"),
    ]

    sheet = _press(assistant, sender, area, f'/ask_services{{"service_id": "{variety.service}"}}')
    service = catalogue[variety.service]
    assert _texts(sheet) == [_expected_sheet(service, locale)]
    assert service["source"].startswith("http") and service["source"] in _texts(sheet)[0]
    assert [b["payload"] for b in sheet[0]["buttons"]] == ["/ask_services"]
    _assert_reply_locale(assistant, sender, locale)


@pytest.mark.parametrize("variety", VARIETIES, ids=IDS)
def test_general_services_question_shows_the_areas_menu(assistant, variety):
    sender = _sender()
    _assert_menu(assistant.say(sender, variety.general_question), variety.locale)


@pytest.mark.parametrize("variety", VARIETIES, ids=IDS)
def test_a_question_about_jisr_gets_the_jisr_sheet_not_the_menu(assistant, variety):
    sender = _sender()
    replies = assistant.say(sender, variety.jisr_question)
    assert _texts(replies) == [_expected_sheet(services()["jisr_strategy"], variety.locale)]
    assert [b["payload"] for b in replies[0]["buttons"]][-1] == "/ask_services"


# ---------------------------------------------------------------- nearest centre
@pytest.mark.parametrize("variety", VARIETIES, ids=IDS)
def test_find_center_with_a_city_in_the_variety_spelling_asks_the_type_then_lists_the_nearest(
    assistant, variety
):
    locale, sender = variety.locale, _sender()
    question = assistant.say(sender, variety.city_question)
    assert _texts(question) == [translate("utter_ask_center_type", locale)]
    assert [(b["title"], b["payload"]) for b in question[0]["buttons"]] == [
        (translate(f"center_type_{t}", locale), f'/inform{{"center_type": "{t}"}}') for t in CENTER_TYPES
    ]
    assert assistant.tracker(sender)["slots"]["city"] == variety.city

    result = _press(assistant, sender, question, f'/inform{{"center_type": "{variety.center_type}"}}')
    city = cities()[variety.city]
    expected = expected_results(city["lat"], city["lon"], variety.center_type, locale, variety.city)
    nearest_city = nearest_rows(city["lat"], city["lon"], variety.center_type)[0][0]["city"]
    assert nearest_city == variety.city, "the nearest centre of the type is in the named city"
    assert _texts(result) == expected
    _assert_reply_locale(assistant, sender, locale)


@pytest.mark.parametrize("variety", VARIETIES, ids=IDS)
def test_find_center_with_a_shared_location_lists_the_nearest(assistant, variety):
    locale, sender = variety.locale, _sender()
    question = assistant.say(sender, variety.type_question)
    assert _texts(question) == [translate("utter_ask_city", locale)]
    assert assistant.tracker(sender)["slots"]["center_type"] == variety.type_value

    result = _share_location(assistant, sender, *variety.near)
    expected = expected_results(*variety.near, variety.type_value, locale, city_near_point(*variety.near))
    assert _texts(result) == expected
    _assert_reply_locale(assistant, sender, locale)


@pytest.mark.parametrize("variety", VARIETIES, ids=IDS)
def test_a_city_name_alone_as_the_answer_keeps_the_conversation_language(assistant, variety):
    locale, sender = variety.locale, _sender()
    assert _texts(assistant.say(sender, variety.type_question)) == [translate("utter_ask_city", locale)]

    result = assistant.say(sender, variety.bare_city)  # e.g. "Oujda" reads as French, "طنجة" as Darija
    city = cities()[variety.bare_city_id]
    assert _texts(result) == expected_results(
        city["lat"], city["lon"], variety.type_value, locale, city["id"]
    )


@pytest.mark.parametrize("variety", VARIETIES, ids=IDS)
def test_unknown_city_gets_suggestions_and_a_suggestion_finds_centres(assistant, variety):
    locale, sender = variety.locale, _sender()
    assert _texts(assistant.say(sender, variety.type_question)) == [translate("utter_ask_city", locale)]

    again = assistant.say(sender, variety.unknown_city)
    assert _texts(again) == [translate("center_city_unknown", locale), translate("utter_ask_city", locale)]
    suggestions = {b["payload"]: b["title"] for b in again[0]["buttons"]}
    city = cities()[variety.suggested]
    payload = f'/inform{{"city": "{variety.suggested}"}}'
    assert suggestions.get(payload) == city["names"][CITY_NAME_KEY[locale]]
    assert all(re.fullmatch(r'/inform\{"city": "[a-z_]+"\}', p) for p in suggestions)

    result = assistant.say(sender, payload)
    assert _texts(result) == expected_results(
        city["lat"], city["lon"], variety.type_value, locale, city["id"]
    )


@pytest.mark.parametrize("variety", VARIETIES, ids=IDS)
def test_location_far_from_every_centre_names_the_nearest_further_away_and_the_lines(assistant, variety):
    locale, sender = variety.locale, _sender()
    closest = min(
        km_between(*variety.far, float(r["latitude"]), float(r["longitude"])) for r in centre_rows()
    )
    assert closest > SEARCH_RADIUS_KM, "the test's far point must be far from every centre"
    assert _texts(assistant.say(sender, variety.type_question)) == [translate("utter_ask_city", locale)]

    result = _texts(_share_location(assistant, sender, *variety.far))
    kind = translate(f"center_type_{variety.type_value}", locale)
    (row, km), *_ = sorted(
        ((r, km_between(*variety.far, float(r["latitude"]), float(r["longitude"]))) for r in centre_rows()
         if variety.type_value in r["types"].split("|")),
        key=lambda pair: pair[1],
    )  # fmt: skip
    lines = "center_lines_children" if variety.type_value == "children" else "center_lines_other"
    assert result == [
        translate("center_sample_notice", locale),
        fill(
            translate("center_none_in_radius", locale),
            type=kind,
            radius=int(SEARCH_RADIUS_KM),
            place=place_name(city_near_point(*variety.far), locale),
        ),
        fill(
            translate("center_nearest_further", locale),
            type=kind,
            place=place_name(row["city"], locale),
            distance=expected_km(km, locale),
        ),
        expected_item(row, km, locale),
        translate(lines, locale),
    ]
