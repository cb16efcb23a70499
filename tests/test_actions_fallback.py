"""Two-stage fallback action: topic suggestions first, a human on the second miss in a row."""

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback, suggested_intents
from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate
from tests.nlg_support import sent


def _user(text, intent, ranking=()):
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": 0.3},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
            "entities": [],
        },
    }


def _tracker(events, slots=None):
    latest = events[-1]["parse_data"]
    return Tracker("c1", slots or {}, latest, events, False, None, {}, "action_listen")


def _run(tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionFallback().run(dispatcher, tracker, {}))
    return sent(dispatcher.messages, tracker), events


RANKING = [
    ("nlu_fallback", 0.45),
    ("greet", 0.2),
    ("social_aid", 0.15),
    ("disability_card", 0.1),
    ("elderly_care", 0.05),
]


def test_first_miss_suggests_the_top_topics_in_the_citizen_language():
    tracker = _tracker([_user("dakchi dyal l flous", "nlu_fallback", RANKING)], {"language": "fr"})
    messages, events = _run(tracker)
    assert events == []
    assert [m["text"] for m in messages] == [translate("utter_fallback_suggest", "fr")]
    buttons = messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/social_aid", "/disability_card", "/elderly_care", "/deny"]
    assert buttons[0]["title"] == translate("intent_social_aid", "fr")
    assert buttons[-1]["title"] == translate("btn_none_of_these", "fr")


def test_second_miss_in_a_row_offers_a_human():
    events = [
        _user("xyz", "nlu_fallback", RANKING),
        {"event": "bot", "text": "?"},
        _user("abc", "nlu_fallback", RANKING),
    ]
    messages, returned = _run(_tracker(events))
    assert [m["utter_action"] for m in messages] == ["utter_fallback_human"]
    assert returned == []


def test_a_message_without_text_gets_the_no_text_reply_and_is_forgotten():
    messages, events = _run(_tracker([_user("🙏🙏", "nlu_fallback")]))
    assert [strip_bidi_marks(m["text"]) for m in messages] == [translate("utter_no_text", "ary")]
    assert events == [{"event": "rewind", "timestamp": None}]


def test_suggestions_skip_chitchat_and_danger_guesses_and_respect_the_limit():
    ranking = [
        {"name": n} for n in ("greet", "affirm", "emergency", "social_aid", "find_center", "elderly_care")
    ]
    assert suggested_intents(ranking) == ["social_aid", "find_center", "elderly_care"]
