"""A citizen's reply → an answer, a correction, a stop, or a clear reason to ask again."""

from __future__ import annotations

import pytest

from bot.eligibility.answers import interpret
from bot.eligibility.loader import default_programmes

P = default_programmes()
ELDERLY, ASD, JOBS = P["elderly_admission"], P["direct_social_aid"], P["disability_employment"]
AGE, FAMILY = ELDERLY.question("age"), ELDERLY.question("family_support")
CHILDREN, DISABLED = ASD.question("children_0_5"), ASD.question("children_disability")
GOAL = JOBS.question("job_goal")
LABELS = {
    "public_job": ["Un poste dans le secteur public", "وظيفة في القطاع العام", "Khedma f lwadifa l3omomiya"],
    "own_project": ["Un projet à son compte", "مشروع خاص", "Machrou3 dyalo"],
    "any_job": ["Les deux, ou pas encore décidé", "بجوج، ولا مازال ما قررش"],
}


def number(value: int) -> list[dict]:
    return [{"entity": "number", "value": value}]


@pytest.mark.parametrize(
    ("text", "entities", "value"),
    [
        ("70", number(70), 70), ("٧٠", [], 70), ("ستين", [], 60), ("sittin", [], 60), ("soixante", [], 60),
        ("soixante-dix ans", [], 70), ("عندو خمسة وسبعين عام", [], 75), ("3ndo 68 3am", [], 68),
    ],
)  # fmt: skip
def test_an_age_in_every_variety(text, entities, value) -> None:
    reply = interpret(ELDERLY, AGE, {}, "inform", entities, text)
    assert (reply.kind, reply.slot, reply.value) == ("answer", "age", value)


@pytest.mark.parametrize(
    ("text", "intent", "error"),
    [
        ("250", "inform", "elig_invalid_range"),
        ("abc", "nlu_fallback", "elig_invalid_number"),
        ("-3", "inform", "elig_invalid_negative"),
        ("moins 2", "inform", "elig_invalid_negative"),
        ("oui", "affirm", "elig_invalid_number"),
    ],
)
def test_an_impossible_age_is_asked_again_with_its_reason(text, intent, error) -> None:
    reply = interpret(ELDERLY, AGE, {}, intent, [], text)
    assert (reply.kind, reply.error) == ("invalid", error)
    assert reply.error == "elig_invalid_number" or reply.values == {"min": 0, "max": 120}


def test_negative_children_are_refused_and_no_children_is_zero() -> None:
    assert interpret(ASD, CHILDREN, {}, "inform", number(-2), "-2").error == "elig_invalid_negative"
    assert interpret(ASD, CHILDREN, {}, "deny", [], "walou, ma 3ndich").value == 0
    assert (
        interpret(
            ASD, CHILDREN, {}, "inform", [{"entity": "number", "value": "0"}], '/inform{"number": "0"}'
        ).value
        == 0
    )


def test_more_disabled_children_than_children_is_refused() -> None:
    answers = {
        "orphans_widow": 0,
        "children_0_5": 1,
        "children_6_20_school": 1,
        "children_6_20_out_of_school": 0,
    }
    reply = interpret(ASD, DISABLED, answers, "inform", number(3), "3")
    assert (reply.kind, reply.error, dict(reply.values)) == ("invalid", "elig_invalid_sum", {"total": 2})
    assert interpret(ASD, DISABLED, answers, "inform", number(2), "2").value == 2


@pytest.mark.parametrize(
    ("intent", "entities", "text", "value"),
    [
        ("affirm", [], "ah", "yes"), ("affirm", [], "/affirm", "yes"), ("deny", [], "la", "no"),
        ("dont_know", [], "ma3raftch", "dont_know"), ("inform", [{"entity": "eligibility_value", "value": "dont_know"}], "/inform", "dont_know"),
    ],
)  # fmt: skip
def test_yes_no_and_i_dont_know(intent, entities, text, value) -> None:
    reply = interpret(ELDERLY, FAMILY, {"age": 70}, intent, entities, text)
    assert (reply.kind, reply.value) == ("answer", value)


def test_a_yes_no_question_answered_with_something_else_is_asked_again() -> None:
    assert interpret(ELDERLY, FAMILY, {"age": 70}, "nlu_fallback", [], "bleu").error == "elig_invalid_yes_no"


@pytest.mark.parametrize(
    ("intent", "entities", "text"),
    [
        ("deny", number(70), "la, 3ndo 70 3am"),
        ("deny", number(70), "non, il a 70 ans"),
        ("inform", [], "لا، عندو سبعين عام"),
        ("inform", number(70), "70"),  # a bare number when a yes/no is asked: the only number answered
    ],
)
def test_an_earlier_answer_is_corrected(intent, entities, text) -> None:
    reply = interpret(ELDERLY, FAMILY, {"age": 50}, intent, entities, text)
    assert (reply.kind, reply.slot, reply.value) == ("correction", "age", 70)


def test_a_correction_out_of_range_is_refused() -> None:
    reply = interpret(ELDERLY, FAMILY, {"age": 50}, "deny", number(250), "non, il a 250 ans")
    assert (reply.kind, reply.error) == ("invalid", "elig_invalid_range")


@pytest.mark.parametrize(
    ("intent", "entities"), [("goodbye", []), ("inform", [{"entity": "eligibility_value", "value": "stop"}])]
)
def test_stop(intent, entities) -> None:
    assert interpret(ELDERLY, AGE, {}, intent, entities, "bslama").kind == "stop"


@pytest.mark.parametrize(
    ("entities", "text", "value"),
    [
        (
            [{"entity": "eligibility_value", "value": "own_project"}],
            '/inform{"eligibility_value": "own_project"}',
            "own_project",
        ),
        (number(1), "1", "public_job"),
        ([], "la fonction publique, un poste dans le secteur public", "public_job"),
        ([], "machrou3 dyalo", "own_project"),
        ([], "مشروع خاص", "own_project"),
    ],
)
def test_a_choice_by_button_number_or_words(entities, text, value) -> None:
    reply = interpret(JOBS, GOAL, {"has_disability": "yes"}, "inform", entities, text, LABELS)
    assert (reply.kind, reply.value) == ("answer", value)


def test_an_unknown_choice_is_asked_again() -> None:
    reply = interpret(JOBS, GOAL, {"has_disability": "yes"}, "inform", number(7), "7", LABELS)
    assert reply.error == "elig_invalid_choice"
