"""A reply in the middle of a check that the classifier reads as a topic (elderly care, social aid, the
disability card) or cannot read as yes/no is still taken as the answer when its words give one; a real
topic question gets the topic's information. Real rasa_sdk trackers through the actions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.eligibility import ActionEligibilityTopic, ValidateEligibilityForm, reads_as_answer

DOMAIN = {"forms": {"eligibility_form": {"required_slots": ["eligibility_programme", "eligibility_answer"]}}}


def tracker(programme: str, answers: dict[str, Any], text: str, intent: str) -> Tracker:
    slots = {
        "eligibility_programme": programme,
        "eligibility_answers": {"programme": programme, "answers": answers},
        "eligibility_answer": text,
        "requested_slot": "eligibility_answer",
    }
    latest = {"text": text, "intent": {"name": intent}, "entities": []}
    return Tracker("c", slots, latest, [], False, None, {"name": "eligibility_form"}, "action_listen")


def stored_answers(events: list) -> dict[str, Any]:
    slot = next(e for e in events if e.get("event") == "slot" and e.get("name") == "eligibility_answers")
    return slot["value"]["answers"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("كتسكن بوحدها", "elderly_care"),
        ("sakna bo7dha", "homeless_support"),
        ("تعيش وحدها", "elderly_care"),
        ("elle vit seule", "elderly_care"),
    ],
)
def test_a_topic_reply_that_states_the_fact_answers_the_question(text, intent) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker("elderly_admission", {"age": 77}, text, intent)
    events = asyncio.run(ActionEligibilityTopic().run(dispatcher, t, DOMAIN))
    assert stored_answers(events) == {"age": 77, "family_support": "no"}
    assert not any(m.get("response") for m in dispatcher.messages)


@pytest.mark.parametrize(
    ("text", "intent"),
    [("مي عندها 77 عام", "elderly_care"), ("ma mère a 77 ans", "social_aid")],
)
def test_a_topic_reply_with_the_number_answers_a_number_question(text, intent) -> None:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ActionEligibilityTopic().run(dispatcher, tracker("elderly_admission", {}, text, intent), DOMAIN)
    )
    assert stored_answers(events)["age"] == 77


@pytest.mark.parametrize(
    ("text", "intent", "response"),
    [
        ("كيفاش نطلب الدعم الاجتماعي المباشر؟", "social_aid", "utter_social_aid"),
        ("et pour la carte handicap, quels papiers faut-il ?", "disability_card", "utter_disability_card"),
    ],
)
def test_a_topic_question_gets_the_topic_information(text, intent, response) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker("elderly_admission", {"age": 77}, text, intent)
    events = asyncio.run(ActionEligibilityTopic().run(dispatcher, t, DOMAIN))
    assert events == []
    assert [m.get("response") for m in dispatcher.messages] == [response]


@pytest.mark.parametrize(
    ("text", "intent"),
    [("ما عندهاش التقاعد", "inform"), ("ma 3ndhach retraite", "nlu_fallback"), ("ليس لها أي معاش", "inform")],
)
def test_a_yes_no_question_takes_the_fact_of_an_inform_reply(text, intent) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker("elderly_admission", {"age": 77, "family_support": "no"}, text, intent)
    result = ValidateEligibilityForm().validate_eligibility_answer(text, dispatcher, t, DOMAIN)
    assert result["eligibility_answers"]["answers"]["resources"] == "no"
    assert dispatcher.messages == []


def test_questions_and_long_messages_do_not_read_as_answers() -> None:
    assert reads_as_answer("elle vit seule")
    assert not reads_as_answer("elle vit seule, est-ce qu'il y a un centre ?")
    assert not reads_as_answer("/affirm")
    assert not reads_as_answer(" ".join(["kelma"] * 20))


@pytest.mark.parametrize(
    "text", ["كتسكن بوحدها، حتى واحد ما كيتهلا فيها", "sakna bo7dha, 7ta wa7ed ma kaytehla fiha"]
)
def test_nobody_answers_the_family_question_and_leaves_the_age_alone(text) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker("elderly_admission", {"age": 77}, text, "inform")
    result = ValidateEligibilityForm().validate_eligibility_answer(text, dispatcher, t, DOMAIN)
    assert result["eligibility_answers"]["answers"] == {"age": 77, "family_support": "no"}
