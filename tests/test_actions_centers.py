"""Nearest-centre action and the search form's validation, with real trackers, on the shipped sample
directory and on directories written to a temporary folder (a verified row beside sample rows)."""

import asyncio
import csv
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.centers as centers_module
from actions.center_reply import SEARCH_RADIUS_KM
from actions.centers import ActionFindCenter, ValidateCenterSearchForm, _DirectoryCache, map_link
from bot.geo.directory import COLUMNS, haversine_km, load_directory
from bot.geo.gazetteer import default_gazetteer
from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate
from bot.i18n.render import fill
from bot.nlg import format_km
from tests.nlg_support import sent

LOCALE_SLOTS = {
    "fr": {"language": "fr"},
    "ar": {"language": "ar"},
    "ary": {"language": "ary", "script": "Arab"},
    "ary_Latn": {"language": "ary", "script": "Latn"},
}
LOCALES = list(LOCALE_SLOTS)


def _tracker(slots: dict, text: str = "") -> Tracker:
    latest = {"text": text, "intent": {"name": "find_center"}, "entities": []}
    return Tracker("c", slots, latest, [], False, None, {"name": "center_search_form"}, "action_listen")


def _find(slots: dict) -> list[str]:
    """The reply's paragraphs (the REST channel sends each as its own message)."""
    dispatcher, tracker = CollectingDispatcher(), _tracker(slots)
    asyncio.run(ActionFindCenter().run(dispatcher, tracker, {}))
    (message,) = sent(dispatcher.messages, tracker)
    return strip_bidi_marks(message["text"]).split("\n\n")


def _t(key: str, locale: str, **values) -> str:
    return fill(translate(key, locale), values)


def _city(city_id: str, locale: str) -> str:
    return default_gazetteer().cities[city_id].name(locale)


def _sample_rows() -> list[dict]:
    path = Path(centers_module.DIRECTORY_DIR) / "sample_centers.csv"
    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


@pytest.mark.parametrize("locale", LOCALES)
def test_women_search_puts_the_sample_notice_then_the_emf_page_and_8350_before_sample_centres(locale):
    text = _find({**LOCALE_SLOTS[locale], "city": "tangier", "center_type": "women"})
    assert text[0] == translate("center_sample_notice", locale)
    assert text[1] == translate("center_emf_first", locale)
    assert "social.gov.ma/espaces-multifonctionnels/" in text[1] and "8350" in text[1]
    assert text[2] == _t(
        "center_results_header_place",
        locale,
        place=_city("tangier", locale),
        type=translate("center_type_women", locale),
    )
    items = text[3:]
    assert items and all(translate("center_result_item_sample", locale).split("\n")[1] in i for i in items)


@pytest.mark.parametrize("locale", LOCALES)
def test_sample_rows_show_no_invented_hours_no_map_and_no_call_to_confirm(locale):
    text = "\n\n".join(_find({**LOCALE_SLOTS[locale], "city": "tangier", "center_type": "homeless"}))
    assert "openstreetmap.org" not in text
    every_day = translate("hours_every_day", locale)
    assert every_day not in text and "18:00" not in text
    call = translate("center_result_item_unverified", locale).split("(")[1]
    phone_label = translate("center_result_item", locale).split("\n")[2].split("{phone}")[0].strip()
    assert call not in text and phone_label not in text, "no phone line, no 'call to confirm'"


@pytest.mark.parametrize("locale", LOCALES)
def test_women_in_a_city_with_only_a_violence_unit_gets_the_city_the_nearest_emf_and_the_unit(locale):
    """Oujda has a (sample) violence care unit and no women's space within 150 km."""
    text = _find({**LOCALE_SLOTS[locale], "city": "oujda", "center_type": "women"})
    women = translate("center_type_women", locale)
    oujda = _city("oujda", locale)
    assert text[0] == translate("center_sample_notice", locale)
    assert text[1] == _t(
        "center_none_in_radius", locale, type=women, radius=int(SEARCH_RADIUS_KM), place=oujda
    )
    assert text[2] == translate("center_emf_first", locale)
    directory = load_directory()
    city = default_gazetteer().cities["oujda"]
    ((nearest, km),) = directory.nearest(city.lat, city.lon, "women", 1, float("inf"))
    assert km > SEARCH_RADIUS_KM
    assert text[3] == _t(
        "center_nearest_further",
        locale,
        type=women,
        place=_city(nearest.city, locale),
        distance=format_km(km, locale),
    )
    assert nearest.name(locale) in text[4] and format_km(km, locale) in text[4]
    assert text[5] == _t("center_also_helps", locale, place=oujda)
    unit = next(r for r in _sample_rows() if r["city"] == "oujda" and "violence_unit" in r["types"])
    assert unit["name_ar" if locale in ("ary", "ar") else "name_fr"] in text[6]
    assert text[7] == translate("center_care_units", locale)
    assert len(text) == 8


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_of_the_type_near_names_the_city_the_nearest_further_away_and_the_lines(locale):
    """No centre at all within 150 km of Dakhla: the nearest elderly centre is named with its distance."""
    text = _find({**LOCALE_SLOTS[locale], "city": "dakhla", "center_type": "elderly"})
    elderly = translate("center_type_elderly", locale)
    assert text[1] == _t(
        "center_none_in_radius",
        locale,
        type=elderly,
        radius=int(SEARCH_RADIUS_KM),
        place=_city("dakhla", locale),
    )
    assert text[2].startswith(
        _t("center_nearest_further", locale, type=elderly, place="{place}").split("{place}")[0]
    )
    assert text[-1] == translate("center_lines_other", locale)
    assert "19" in text[-1] and "177" in text[-1]


def test_children_far_from_every_centre_get_2511():
    text = _find({"language": "fr", "latitude": 32.11, "longitude": -1.23, "center_type": "children"})
    assert text[1] == _t("center_none_in_radius", "fr", type="Enfants", radius=150, place="votre position")
    assert text[-1] == translate("center_lines_children", "fr") and "2511" in text[-1]


@pytest.mark.parametrize("locale", LOCALES)
def test_a_generic_social_centre_lists_the_city_centres_grouped_by_type(locale):
    """Tangier has no 'general' centre: the generic request gets Tangier's four centres by type."""
    text = _find({**LOCALE_SLOTS[locale], "city": "tangier", "center_type": "general"})
    rows = [r for r in _sample_rows() if r["city"] == "tangier"]
    assert not any("general" in r["types"] for r in rows)
    assert text[0] == translate("center_sample_notice", locale)
    assert text[1] == translate("center_emf_first", locale), "a women's space is among them"
    assert text[2] == _t("center_overview_header", locale, place=_city("tangier", locale))
    groups = text[3:]
    headings = [g.split("\n")[0] for g in groups]
    first_types = [r["types"].split("|")[0] for r in rows]
    assert headings == [
        _t("center_type_group", locale, type=translate(f"center_type_{t}", locale))
        for t in ("women", "violence_unit", "elderly", "disability", "children", "homeless", "general")
        if t in first_types
    ]
    name = "name_ar" if locale in ("ary", "ar") else "name_fr"
    assert all(any(r[name] in g for g in groups) for r in rows)


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture()
def mixed_directory(tmp_path, monkeypatch):
    """The sample rows of Agadir, one verified row and one unverified (not sample) row without phone."""
    rows = [r for r in _sample_rows() if r["city"] == "agadir"]
    verified = {**rows[0], "id": "real_1", "name_fr": "Espace vérifié Agadir", "name_ar": "فضاء مؤكد أكادير",
                "phone": "0528123456", "source": "https://social.gov.ma/espaces-multifonctionnels/",
                "verified": "true", "latitude": "30.4200", "longitude": "-9.5900"}  # fmt: skip
    unchecked = {**rows[0], "id": "todo_1", "name_fr": "Espace à vérifier Agadir", "name_ar": "فضاء للتحقق أكادير",
                 "phone": "", "source": "https://example.org/liste", "verified": "false",
                 "latitude": "30.4300", "longitude": "-9.6000"}  # fmt: skip
    _write(tmp_path / "centres.csv", [*rows, verified, unchecked])
    monkeypatch.setattr(centers_module, "DIRECTORY", _DirectoryCache(tmp_path))
    return verified, unchecked


@pytest.mark.parametrize("locale", LOCALES)
def test_a_verified_row_beside_sample_rows_keeps_the_notice_for_the_others(mixed_directory, locale):
    verified, unchecked = mixed_directory
    text = _find({**LOCALE_SLOTS[locale], "city": "agadir", "center_type": "women"})
    assert text[0] == translate("center_sample_notice", locale), (
        "sample rows are shown, so the notice comes first"
    )
    name = "name_ar" if locale in ("ary", "ar") else "name_fr"
    (real,) = [p for p in text if verified[name] in p]
    lat, lon = float(verified["latitude"]), float(verified["longitude"])
    assert map_link(lat, lon) in real and "0528123456" in real and "08:30" in real
    (todo,) = [p for p in text if unchecked[name] in p]
    assert "openstreetmap" not in todo and "08:30" not in todo
    assert todo.split("\n")[1] == translate("center_result_item_unverified_no_phone", locale).split("\n")[1]
    (sample,) = [p for p in text if p.startswith("•") and ("(échantillon)" in p or "(عينة)" in p)]
    assert sample.split("\n")[1] == translate("center_result_item_sample", locale).split("\n")[1]


def test_only_verified_rows_shown_means_no_sample_notice(tmp_path, monkeypatch):
    rows = [r for r in _sample_rows() if r["city"] == "agadir"]
    real = {
        **rows[0],
        "id": "real_1",
        "source": "https://social.gov.ma/espaces-multifonctionnels/",
        "verified": "true",
    }
    far_sample = next(r for r in _sample_rows() if r["city"] == "oujda")
    _write(tmp_path / "centres.csv", [real, far_sample])
    monkeypatch.setattr(centers_module, "DIRECTORY", _DirectoryCache(tmp_path))
    text = _find({"language": "fr", "city": "agadir", "center_type": "women"})
    assert translate("center_sample_notice", "fr") not in text
    assert text[0] == _t("center_results_header_place", "fr", place="Agadir", type="Femmes (EMF)")
    assert "openstreetmap.org" in text[1]


@pytest.mark.parametrize("locale", LOCALES)
def test_opening_hours_of_verified_rows_are_said_in_the_reply_locale(tmp_path, monkeypatch, locale):
    rows = [r for r in _sample_rows() if r["city"] == "tangier" and r["types"] in ("homeless", "children")]
    verified = [{**r, "source": "https://social.gov.ma/x", "verified": "true"} for r in rows]
    _write(tmp_path / "centres.csv", verified)
    monkeypatch.setattr(centers_module, "DIRECTORY", _DirectoryCache(tmp_path))
    rule = translate("hours_rule", locale).replace("{days}", translate("hours_every_day", locale))
    night = rule.replace("{times}", "18:00–08:00")
    always = rule.replace("{times}", translate("hours_open_24h", locale))
    slots = {**LOCALE_SLOTS[locale], "city": "tangier"}
    assert f"\n  {night}\n" in _find({**slots, "center_type": "homeless"})[1]
    assert f"\n  {always}\n" in _find({**slots, "center_type": "children"})[1]


def test_location_search_in_darija_uses_arabic_names_and_units():
    text = "\n\n".join(
        _find({"latitude": 34.02, "longitude": -6.84, "center_type": "children", "language": "ary"})
    )
    assert "كلم" in text and "الرباط" in text


def test_distance_is_formatted_for_the_locale():
    assert format_km(2.44, "fr") == "2,4 km"
    assert format_km(1234.0, "fr") == "1\u202f234 km"
    assert format_km(2.44, "ar") == "2,4 كلم"
    assert map_link(35.7767, -5.8039).endswith("#map=16/35.77670/-5.80390")
    assert haversine_km(0, 0, [0], [0])[0] == 0


def _validate_city(value, locale="fr"):
    dispatcher, tracker = CollectingDispatcher(), _tracker({"language": locale})
    result = ValidateCenterSearchForm().validate_city(value, dispatcher, tracker, {})
    return result, sent(dispatcher.messages, tracker)


def test_city_answers_in_any_spelling_are_accepted():
    assert _validate_city("tangier")[0] == {"city": "tangier"}
    assert _validate_city("ana f Wjda 3afak")[0] == {"city": "oujda"}
    assert _validate_city("فالعيون")[0] == {"city": "laayoune"}


def test_danger_typed_instead_of_a_city_is_left_to_the_emergency_rule():
    dispatcher = CollectingDispatcher()
    tracker = _tracker({"language": "fr"}, "au secours")
    tracker.latest_message["intent"] = {"name": "emergency"}
    assert ValidateCenterSearchForm().validate_city("au secours", dispatcher, tracker, {}) == {"city": None}
    assert dispatcher.messages == []


def test_unknown_city_asks_again_with_suggestions():
    result, messages = _validate_city("Tangerville")
    assert result == {"city": None}
    assert messages[0]["text"] == translate("center_city_unknown", "fr")
    assert '/inform{"city": "tangier"}' in [b["payload"] for b in messages[0]["buttons"]]


def test_shared_location_makes_the_city_question_unnecessary():
    form = ValidateCenterSearchForm()
    tracker = _tracker({"latitude": 30.4, "longitude": -9.6})
    slots = asyncio.run(form.required_slots(["center_type", "city"], CollectingDispatcher(), tracker, {}))
    assert slots == ["center_type"]


def test_a_city_name_alone_or_a_button_after_it_keeps_the_conversation_language():
    """ "Oujda" alone is detected as French; the Darija (Latin) conversation goes on in Darija."""
    events = [
        {"event": "user", "text": "bghit markaz dyal l3ajaza 9rib liya"},
        {"event": "slot", "name": "language", "value": "ary"},
        {"event": "slot", "name": "script", "value": "Latn"},
        {"event": "user", "text": "Oujdaville"},
        {"event": "slot", "name": "language", "value": "fr"},
    ]
    slots = {"center_type": "elderly", "language": "fr", "script": "Latn"}
    unknown = _tracker(slots, "Oujdaville")
    unknown.events = events
    dispatcher = CollectingDispatcher()
    ValidateCenterSearchForm().validate_city("Oujdaville", dispatcher, unknown, {})
    assert sent(dispatcher.messages, unknown)[0]["text"] == translate("center_city_unknown", "ary_Latn")

    for text in ("Oujda", '/inform{"city": "oujda"}'):  # typed alone, or the suggestion's button
        answer = _tracker({**slots, "city": "oujda"}, text)
        answer.events = [*events, {"event": "user", "text": text}]
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionFindCenter().run(dispatcher, answer, {}))
        paragraphs = sent(dispatcher.messages, answer)[0]["text"].split("\n\n")
        assert paragraphs[0] == translate("center_sample_notice", "ary_Latn")
        assert paragraphs[1] == _t(
            "center_results_header_place",
            "ary_Latn",
            place="Wjda",
            type=translate("center_type_elderly", "ary_Latn"),
        )
    chosen = _tracker({**slots, "city": "oujda", "chosen_language": "fr"}, "Oujda")
    chosen.events = [*events, {"event": "user", "text": "Oujda"}]
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFindCenter().run(dispatcher, chosen, {}))
    assert sent(dispatcher.messages, chosen)[0]["text"].startswith(translate("center_sample_notice", "fr"))
