"""Nearest-centre action and the search form's validation, on the shipped sample directory."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.centers import ActionFindCenter, ValidateCenterSearchForm, format_km, map_link
from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate


def _tracker(slots: dict, text: str = "") -> Tracker:
    latest = {"text": text, "intent": {"name": "find_center"}, "entities": []}
    return Tracker("c", slots, latest, [], False, None, {"name": "center_search_form"}, "action_listen")


def _find(slots: dict) -> str:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFindCenter().run(dispatcher, _tracker(slots), {}))
    (message,) = dispatcher.messages
    return strip_bidi_marks(message["text"])


def test_city_search_lists_the_nearest_centres_of_the_type_with_sample_warning():
    text = _find({"city": "tangier", "center_type": "women", "language": "fr"})
    assert text.startswith(
        translate("center_results_header", "fr").format(type=translate("center_type_women", "fr"))
    )
    assert "Tanger" in text and " km" in text and "https://www.openstreetmap.org/?mlat=" in text
    assert translate("center_unverified", "fr").strip() in text
    assert text.endswith(translate("center_sample_notice", "fr"))


@pytest.mark.parametrize(
    ("slots", "locale"),
    [
        ({"language": "fr"}, "fr"),
        ({"language": "ar"}, "ar"),
        ({"language": "ary", "script": "Arab"}, "ary"),
        ({"language": "ary", "script": "Latn"}, "ary_Latn"),
    ],
)
def test_opening_hours_are_said_in_the_reply_locale(slots, locale):
    """Tangier's sample shelter is open every night (Mo-Su 18:00-08:00), its children's centre 24/7."""
    rule = translate("hours_rule", locale).replace("{days}", translate("hours_every_day", locale))
    night = rule.replace("{times}", "18:00–08:00")
    always = rule.replace("{times}", translate("hours_open_24h", locale))
    assert f"\n  {night}\n" in _find({**slots, "city": "tangier", "center_type": "homeless"})
    assert f"\n  {always}\n" in _find({**slots, "city": "tangier", "center_type": "children"})


def test_location_search_in_darija_uses_arabic_names_and_units():
    text = _find({"latitude": 34.02, "longitude": -6.84, "center_type": "children", "language": "ary"})
    assert "كلم" in text and "الرباط" in text


def test_nothing_nearby_gives_the_national_lines():
    text = _find({"city": "dakhla", "center_type": "elderly", "language": "fr"})
    assert "8350" in text and "2511" in text and "150 km" in text


def test_distance_is_formatted_for_the_locale():
    assert format_km(2.44, "fr") == "2,4 km"
    assert format_km(1234.0, "fr") == "1\u202f234 km"
    assert format_km(2.44, "ar") == "2,4 كلم"
    assert map_link(35.7767, -5.8039).endswith("#map=16/35.77670/-5.80390")


def _validate_city(value, locale="fr"):
    dispatcher = CollectingDispatcher()
    result = ValidateCenterSearchForm().validate_city(value, dispatcher, _tracker({"language": locale}), {})
    return result, dispatcher.messages


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
    assert dispatcher.messages[0]["text"] == translate("center_city_unknown", "ary_Latn")

    for text in ("Oujda", '/inform{"city": "oujda"}'):  # typed alone, or the suggestion's button
        answer = _tracker({**slots, "city": "oujda"}, text)
        answer.events = [*events, {"event": "user", "text": text}]
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionFindCenter().run(dispatcher, answer, {}))
        header = translate("center_results_header", "ary_Latn")
        assert dispatcher.messages[0]["text"].startswith(
            header.format(type=translate("center_type_elderly", "ary_Latn"))
        )
    chosen = _tracker({**slots, "city": "oujda", "chosen_language": "fr"}, "Oujda")
    chosen.events = [*events, {"event": "user", "text": "Oujda"}]
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFindCenter().run(dispatcher, chosen, {}))
    assert dispatcher.messages[0]["text"].startswith(translate("center_results_header", "fr").split("(")[0])
