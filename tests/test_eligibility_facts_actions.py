"""The check starts from what the citizen already wrote: real rasa_sdk trackers through the actions."""

from __future__ import annotations

import asyncio
import re
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
    facts_taken,
    programmes,
    recent_texts,
    stated,
)
from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import LOCALES, translate
from bot.i18n.render import render_text
from bot.nlg import render_value
from tests.nlg_support import sent

DOMAIN = {"forms": {"eligibility_form": {"required_slots": ["eligibility_programme", "eligibility_answer"]}}}
ELDERLY = '/check_eligibility{"eligibility_programme": "elderly_admission"}'
CHANGE = '/inform{"eligibility_value": "change"}'


def user(text: str, intent: str = "elderly_care") -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": []}}


def make_tracker(slots: dict[str, Any], latest_text: str, events: list[dict], *, intent: str = "check_eligibility",
                 entities: list | None = None, active_loop: str | None = None) -> Tracker:  # fmt: skip
    latest = {"text": latest_text, "intent": {"name": intent}, "entities": entities or []}
    loop = {"name": active_loop} if active_loop else {}
    return Tracker("c", slots, latest, events, False, None, loop, "action_listen")


def run(action, t: Tracker) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return events, sent(dispatcher.messages, t)


def summary(locale: str, *items: tuple[str, int | None]) -> str:
    """The check's summary: each answer it took stated as a fact (``elig_said_*``), not as a question."""
    joiner = "، " if locale in ("ary", "ar") else ", "
    facts = joiner.join(render_text(key, locale, {"value": value}) for key, value in items)
    return strip_bidi_marks(render_text("elig_facts_taken", locale, {"facts": facts}))


def slot(events: list, name: str) -> Any:
    return next(e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name)


@pytest.mark.parametrize(
    ("message", "language", "script", "locale"),
    [
        ("مي عندها ٧٩ عام وعايشة بوحدها", "ary", "Arab", "ary"),
        ("mimti 3ndha sb3a w sb3in 3am w 3aycha bo7dha", "ary", "Latn", "ary_Latn"),
        ("والدتي تبلغ من العمر تسعة وسبعين عاما وتعيش وحدها", "ar", "Arab", "ar"),
        ("Ma mère a soixante-dix-neuf ans et vit seule", "fr", "Latn", "fr"),
    ],
)
def test_start_fills_what_was_said_and_says_it(message, language, script, locale) -> None:
    events = [user(message), {"event": "bot", "text": "…"}, user(ELDERLY, "check_eligibility")]
    t = make_tracker({"language": language, "script": script}, ELDERLY, events)
    result, messages = run(ActionEligibilityStart(), t)
    stored = slot(result, "eligibility_answers")
    age = 77 if locale == "ary_Latn" else 79
    assert stored == {
        "programme": "elderly_admission",
        "answers": {"age": age, "family_support": "no"},
        "taken": ["age", "family_support"],
        "facts": {"relation": "mother", "age": age, "family_support": "no"},
    }
    texts = [strip_bidi_marks(m["text"]) for m in messages]
    assert texts[1] == summary(locale, ("elig_said_age", age), ("elig_said_family_support_no", None))
    assert messages[1]["buttons"] == [{"title": translate("elig_btn_change", locale), "payload": CHANGE}]

    # the form then asks only the missing question
    form = make_tracker(
        {"language": language, "script": script, "eligibility_programme": "elderly_admission",
         "eligibility_answers": stored}, ELDERLY, events, active_loop="eligibility_form",
    )  # fmt: skip
    required = asyncio.run(ValidateEligibilityForm().required_slots([], CollectingDispatcher(), form, DOMAIN))
    assert required == ["eligibility_answer"]
    _, asked = run(ActionAskEligibilityAnswer(), form)
    assert strip_bidi_marks(asked[0]["text"]) == strip_bidi_marks(
        translate("elig_q_elderly_resources", locale)
    )


def test_no_fact_no_summary_and_nothing_taken() -> None:
    events = [user("bonjour, je voudrais des informations"), user(ELDERLY, "check_eligibility")]
    result, messages = run(ActionEligibilityStart(), make_tracker({"language": "fr"}, ELDERLY, events))
    stored = slot(result, "eligibility_answers")
    assert stored["answers"] == {} and "taken" not in stored
    assert [m["text"] for m in messages] == [translate("elig_intro", "fr")]


def test_only_messages_since_the_previous_check_count() -> None:
    events = [
        user("mon père a 90 ans"),
        {"event": "action", "name": "action_eligibility_start"},
        user("ma mère vit seule"),
        user(ELDERLY, "check_eligibility"),
    ]
    t = make_tracker({"language": "fr"}, ELDERLY, events)
    assert recent_texts(t) == ["ma mère vit seule"]
    result, _ = run(ActionEligibilityStart(), t)
    assert slot(result, "eligibility_answers")["answers"] == {"family_support": "no"}


def test_change_forgets_what_was_taken_and_keeps_what_was_answered() -> None:
    stored = {
        "programme": "direct_social_aid",
        "answers": {"children_0_5": 2, "rsu_registered": "yes"},
        "taken": ["children_0_5"],
        "facts": {"children_0_5": 2},
    }
    t = make_tracker(
        {"language": "fr", "eligibility_programme": "direct_social_aid", "eligibility_answers": stored,
         "requested_slot": "eligibility_answer"}, CHANGE, [], intent="inform",
        entities=[{"entity": "eligibility_value", "value": "change"}], active_loop="eligibility_form",
    )  # fmt: skip
    dispatcher = CollectingDispatcher()
    result = ValidateEligibilityForm().validate_eligibility_answer(CHANGE, dispatcher, t, DOMAIN)
    assert result["eligibility_answers"]["answers"] == {"rsu_registered": "yes"}
    assert "taken" not in result["eligibility_answers"]
    assert sent(dispatcher.messages, t)[0]["text"] == translate("elig_facts_cleared", "fr")


def test_a_spoken_correction_of_a_taken_age() -> None:
    stored = {
        "programme": "elderly_admission",
        "answers": {"age": 77},
        "taken": ["age"],
        "facts": {"age": 77},
    }
    t = make_tracker(
        {"language": "fr", "eligibility_programme": "elderly_admission", "eligibility_answers": stored,
         "requested_slot": "eligibility_answer"}, "non, elle a 70 ans", [], intent="deny",
        entities=[{"entity": "number", "value": 70}], active_loop="eligibility_form",
    )  # fmt: skip
    dispatcher = CollectingDispatcher()
    result = ValidateEligibilityForm().validate_eligibility_answer("x", dispatcher, t, DOMAIN)
    assert result["eligibility_answers"]["answers"] == {"age": 70}
    assert result["eligibility_answers"]["taken"] == ["age"]


def test_a_programme_chosen_later_is_filled_from_the_facts() -> None:
    stored = {"programme": None, "answers": {}, "facts": {"children_0_5": 2, "rsu_registered": "yes"}}
    t = make_tracker(
        {"language": "fr", "eligibility_answers": stored, "requested_slot": "eligibility_programme"},
        "/x", [], active_loop="eligibility_form",
    )  # fmt: skip
    dispatcher = CollectingDispatcher()
    result = ValidateEligibilityForm().validate_eligibility_programme(
        "direct_social_aid", dispatcher, t, DOMAIN
    )
    assert result["eligibility_answers"]["answers"] == {"rsu_registered": "yes", "children_0_5": 2}
    text = strip_bidi_marks(sent(dispatcher.messages, t)[0]["text"])
    assert text == summary("fr", ("elig_said_rsu_registered_yes", None), ("elig_said_children_0_5_other", 2))
    assert "foyer inscrit au RSU, 2 enfants de 0 à 5 ans" in text


def test_everything_said_gives_the_outcome_with_the_city_and_change_restarts_it() -> None:
    stored = {
        "programme": "elderly_admission",
        "answers": {"age": 77, "family_support": "no", "resources": "no"},
        "taken": ["age", "family_support", "resources"],
        "facts": {"age": 77, "family_support": "no", "resources": "no", "city": "oujda"},
    }
    slots = {"language": "fr", "eligibility_programme": "elderly_admission", "eligibility_answers": stored}
    required = asyncio.run(
        ValidateEligibilityForm().required_slots(
            [], CollectingDispatcher(), make_tracker(slots, "", []), DOMAIN
        )
    )
    assert required == []
    _, messages = run(ActionEligibilityResult(), make_tracker(slots, "", []))
    assert translate("elig_reason_elderly_typical_met", "fr") in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == '/find_center{"center_type": "elderly", "city": "oujda"}'
    change = make_tracker(
        slots, CHANGE, [], intent="inform", entities=[{"entity": "eligibility_value", "value": "change"}]
    )
    events, messages = run(ActionEligibilityCorrect(), change)
    assert events == [
        SlotSet(
            "eligibility_answers", {"programme": "elderly_admission", "answers": {}, "facts": stored["facts"]}
        ),
        SlotSet("eligibility_stopped", False),
        FollowupAction("eligibility_form"),
    ]
    assert messages[0]["text"] == translate("elig_facts_cleared", "fr")


def test_a_reply_that_says_more_than_asked_fills_the_other_questions() -> None:
    stored = {"programme": "elderly_admission", "answers": {}}
    t = make_tracker(
        {"language": "fr", "eligibility_programme": "elderly_admission", "eligibility_answers": stored,
         "requested_slot": "eligibility_answer"}, "77 ans, elle vit seule et n'a aucune pension", [],
        intent="inform", entities=[{"entity": "number", "value": 77}], active_loop="eligibility_form",
    )  # fmt: skip
    dispatcher = CollectingDispatcher()
    result = ValidateEligibilityForm().validate_eligibility_answer("x", dispatcher, t, DOMAIN)
    assert result["eligibility_answers"] == {
        "programme": "elderly_admission",
        "answers": {"age": 77, "family_support": "no", "resources": "no"},
        "taken": ["family_support", "resources"],
    }
    assert strip_bidi_marks(sent(dispatcher.messages, t)[0]["text"]) == summary(
        "fr", ("elig_said_family_support_no", None), ("elig_said_resources_no", None)
    )


#: The summary of "my mother is 77, nobody looks after her, she has no pension" in each locale: what was
#: taken is stated as facts, never as the questions' labels ("âge : 77").
STATED = {
    "fr": "77 ans, sans famille qui puisse s'en occuper, sans revenu ni ressources",
    "ar": "77 سنة، دون عائلة يمكنها التكفل، دون دخل أو موارد",
    "ary": "77 عام، بلا عائلة اللي تتهلا، بلا مدخول بلا موارد",
    "ary_Latn": "77 3am, bla 3a2ila li tthalla, bla dakhl bla mawarid",
}


@pytest.mark.parametrize("locale", sorted(STATED))
def test_the_summary_states_what_was_taken(locale: str) -> None:
    elderly = programmes()["elderly_admission"]
    text = strip_bidi_marks(
        render_value(facts_taken(elderly, {"age": 77, "family_support": "no", "resources": "no"}), locale)
    )
    assert STATED[locale] in text
    for question in elderly.questions:
        assert translate(question.label, locale) not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_every_answer_the_check_can_take_is_stated_not_asked(locale: str) -> None:
    """Each question of each programme has a statement for every closed answer and for numbers."""
    for programme in programmes().values():
        for question in programme.questions:
            values = {"yes_no": ["yes", "no"], "choice": [o.value for o in question.options]}.get(
                question.type, [0, 1, 3]
            )
            for value in values:
                key = question.said_key(value)
                assert key, f"{programme.id}.{question.slot}={value} has no statement"
                said = strip_bidi_marks(render_value(stated(question, value), locale))
                assert said and not re.search(r"[?؟:]", said), f"{programme.id}.{question.slot}: {said}"
                assert translate(question.label, locale) != said
                if isinstance(value, int) and value > 1:
                    assert str(value) in said
