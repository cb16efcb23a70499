"""The eligibility form's actions on real rasa_sdk trackers: questions, re-asks, corrections, outcome."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.eligibility import (
    ActionAskEligibilityAnswer,
    ActionEligibilityCorrect,
    ActionEligibilityResult,
    ActionEligibilityStart,
    ValidateEligibilityForm,
)
from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate
from tests.nlg_support import sent

DOMAIN = {"forms": {"eligibility_form": {"required_slots": ["eligibility_programme", "eligibility_answer"]}}}


def tracker(programme: str | None, answers: dict | None, *, intent: str = "inform", text: str = "",
            entities: list | None = None, language: str = "fr", script: str = "Latn", events: list | None = None,
            **slots: Any) -> Tracker:  # fmt: skip
    values = {
        "language": language, "script": script, "eligibility_programme": programme,
        "eligibility_answers": {"programme": programme, "answers": answers} if answers is not None else None,
        "requested_slot": "eligibility_answer", **slots,
    }  # fmt: skip
    latest = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    return Tracker(
        "c", values, latest, events or [], False, None, {"name": "eligibility_form"}, "action_listen"
    )


def run(action, t: Tracker) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return events, sent(dispatcher.messages, t)


def validate(t: Tracker, value: str) -> tuple[dict, list]:
    dispatcher = CollectingDispatcher()
    result = ValidateEligibilityForm().validate_eligibility_answer(value, dispatcher, t, DOMAIN)
    return result, [strip_bidi_marks(m["text"]) for m in sent(dispatcher.messages, t)]


def test_the_form_files_an_answer_and_asks_the_next_question() -> None:
    result, messages = validate(
        tracker(
            "elderly_admission", {}, text="sittin w khamsa", entities=[{"entity": "number", "value": 65}]
        ),
        "x",
    )
    assert result == {
        "eligibility_answer": None,
        "eligibility_answers": {"programme": "elderly_admission", "answers": {"age": 65}},
    }
    assert messages == []
    t = tracker("elderly_admission", {"age": 65})
    _, messages = run(ActionAskEligibilityAnswer(), t)
    assert messages[0]["text"] == translate("elig_q_elderly_family_support", "fr")
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ["/affirm", "/deny", "/dont_know", '/inform{"eligibility_value": "stop"}']


@pytest.mark.parametrize(
    ("language", "script", "locale"),
    [("ary", "Arab", "ary"), ("ary", "Latn", "ary_Latn"), ("ar", "Arab", "ar"), ("fr", "Latn", "fr")],
)
def test_an_impossible_age_is_asked_again_in_the_citizen_language(language, script, locale) -> None:
    t = tracker(
        "elderly_admission",
        {},
        text="250",
        entities=[{"entity": "number", "value": 250}],
        language=language,
        script=script,
    )
    result, messages = validate(t, "250")
    assert result == {"eligibility_answer": None}
    assert messages == [strip_bidi_marks(translate("elig_invalid_range", locale).format(min=0, max=120))]


def test_a_correction_is_confirmed_and_kept() -> None:
    t = tracker(
        "elderly_admission",
        {"age": 65},  # the form now asks about family support
        intent="deny",
        text="non, il a 70 ans",
        entities=[{"entity": "number", "value": 70}],
    )
    result, messages = validate(t, "non, il a 70 ans")
    assert result["eligibility_answers"]["answers"] == {"age": 70}
    assert messages == ["C'est noté, j'ai corrigé : âge → 70."]


def test_stop_ends_the_form_and_says_so() -> None:
    t = tracker("elderly_admission", {}, intent="goodbye", text="bslama")
    assert validate(t, "bslama")[0] == {"eligibility_answer": None, "eligibility_stopped": True}
    stopped = tracker("elderly_admission", {}, eligibility_stopped=True)
    assert (
        asyncio.run(ValidateEligibilityForm().required_slots([], CollectingDispatcher(), stopped, DOMAIN))
        == []
    )
    events, messages = run(ActionEligibilityResult(), stopped)
    assert messages[0]["text"] == translate("elig_stopped", "fr")
    assert SlotSet("eligibility_programme", None) in events


def test_the_outcome_has_reasons_documents_where_disclaimer_and_buttons() -> None:
    answers = {"age": 72, "family_support": "no", "resources": "no"}
    _, messages = run(ActionEligibilityResult(), tracker("elderly_admission", answers))
    (message,) = messages
    text = message["text"]
    for key in (
        "elig_reason_elderly_typical_met",
        "elig_docs_elderly_admission",
        "elig_apply_elderly_admission",
        "elig_disclaimer",
    ):
        assert translate(key, "fr") in text
    assert text.startswith(
        translate("elig_title_elderly_admission", "fr") + " : la personne remplit les conditions typiques"
    )
    assert "Parce que la personne correspond aux conditions typiques" in text
    assert [b["payload"] for b in message["buttons"]] == [
        '/find_center{"center_type": "elderly"}',
        "/talk_to_human",
    ]


def test_the_asd_outcome_shows_the_estimate_and_never_a_threshold() -> None:
    answers = {"rsu_registered": "yes", "orphans_widow": 0, "children_0_5": 1, "children_6_20_school": 0,
               "children_6_20_out_of_school": 0, "children_disability": 0}  # fmt: skip
    _, messages = run(
        ActionEligibilityResult(), tracker("direct_social_aid", answers, language="ary", script="Latn")
    )
    text = messages[0]["text"]
    assert "ta9riban 500 DH f chhar" in text and "1 × 300 DH" in text and "l7ad l2adna 500 DH" in text
    assert "9.3264284" not in text and "ma 3arefch l3atba" in text


def test_start_takes_the_programme_of_the_topic_just_discussed() -> None:
    events = [
        {"event": "user", "parse_data": {"intent": {"name": "social_aid"}}},
        {"event": "user", "parse_data": {"intent": {"name": "check_eligibility"}}},
    ]
    t = tracker(None, None, intent="check_eligibility", events=events)
    result, messages = run(ActionEligibilityStart(), t)
    assert SlotSet("eligibility_programme", "direct_social_aid") in result
    assert messages[0]["text"] == translate("elig_intro", "fr")


def test_a_correction_after_the_outcome_gives_the_new_outcome() -> None:
    t = tracker(
        "elderly_admission",
        {"age": 50},
        intent="deny",
        text="la, 3ndo 70 3am",
        entities=[{"entity": "number", "value": 70}],
    )
    events, messages = run(ActionEligibilityCorrect(), t)
    assert events == [
        SlotSet("eligibility_answers", {"programme": "elderly_admission", "answers": {"age": 70}}),
        SlotSet("eligibility_stopped", False),
        FollowupAction("eligibility_form"),
    ]
    done = tracker(
        "elderly_admission",
        {"age": 50, "family_support": "yes"},
        intent="inform",
        text="70 ans",
        entities=[{"entity": "number", "value": 70}],
    )
    events, messages = run(ActionEligibilityCorrect(), done)
    assert len(messages) == 2 and translate("elig_reason_elderly_has_family", "fr") in messages[1]["text"]


def test_a_one_word_answer_keeps_the_language_of_the_check() -> None:
    from actions.locale import tracker_locale as check_locale

    events = [
        {"event": "user", "text": "bghit n3ref 3la da3m lmobachir"},
        {"event": "slot", "name": "language", "value": "ary"},
        {"event": "slot", "name": "script", "value": "Latn"},
        {"event": "user", "text": "juj"},
        {"event": "slot", "name": "language", "value": "fr"},
        {"event": "user", "text": "1"},  # two short answers in a row
    ]
    short = tracker("direct_social_aid", {}, text="juj", language="fr", script="Latn", events=events)
    assert check_locale(short) == "ary_Latn"
    long = tracker("direct_social_aid", {}, text="j'ai deux enfants petits", language="fr", events=events)
    assert check_locale(long) == "fr"
    chosen = tracker("direct_social_aid", {}, text="juj", language="fr", events=events, chosen_language="ar")
    assert check_locale(chosen) == "ar"
