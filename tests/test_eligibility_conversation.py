"""What the citizen reads during an eligibility check, through the live servers and the real model:
questions and re-asks in the citizen's language, the correction, the outcome with its reasons, the
documents, where to apply, the disclaimer, the ASD estimate and the centre and caseworker buttons."""

from __future__ import annotations

import uuid

import pytest

from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate

pytestmark = pytest.mark.server


def _talk(assistant, messages: list[str]) -> list[list[dict]]:
    sender = f"elig-{uuid.uuid4().hex[:12]}"
    return [assistant.say(sender, message) for message in messages]


def _texts(replies: list[dict]) -> list[str]:
    return [strip_bidi_marks(r["text"]) for r in replies if r.get("text")]


def _t(key: str, locale: str, **values) -> str:
    return (
        strip_bidi_marks(translate(key, locale).format(**values))
        if values
        else strip_bidi_marks(translate(key, locale))
    )


ELDERLY = '/check_eligibility{"eligibility_programme": "elderly_admission"}'
CHANGE = '/inform{"eligibility_value": "change"}'


@pytest.mark.parametrize(
    ("opening", "too_old", "correction", "locale"),
    [
        (
            "جدتي عندها 80 عام وما عندها حتى واحد، واش تقدر تدخل لدار العجزة؟",
            "250",
            "لا، عندها سبعين عام",
            "ary",
        ),
        (
            "jdati 3ndha 80 3am w ma 3ndha 7ta wa7ed, wach t9der tdkhol l dar l3ajaza?",
            "250",
            "la, 3ndha 70 3am",
            "ary_Latn",
        ),
        ("جدتي في الثمانين ولا معيل لها، هل يمكنها دخول دار للمسنين؟", "250", "لا، عمرها سبعون سنة", "ar"),
        (
            "Ma grand-mère a 80 ans et personne pour s'occuper d'elle, peut-elle aller en maison de retraite ?",
            "250",
            "non, elle a 70 ans",
            "fr",
        ),
    ],
)
def test_elderly_check_in_every_variety(assistant, opening, too_old, correction, locale) -> None:
    topic, start, change, invalid, age, fixed, family, resources = _talk(
        assistant, [opening, ELDERLY, CHANGE, too_old, "65", correction, "/deny", "/deny"]
    )
    assert any(b["payload"] == ELDERLY for b in topic[0]["buttons"])  # the information offers the check
    # the opening's facts are taken and said; "change" forgets them and the questions start over
    assert _texts(start)[0] == _t("elig_intro", locale)
    # "nobody looks after her", said back as a statement rather than the question's label
    assert _t("elig_said_family_support_no", locale) in _texts(start)[1]
    assert start[1]["buttons"] == [{"title": translate("elig_btn_change", locale), "payload": CHANGE}]
    assert _texts(change) == [_t("elig_facts_cleared", locale), _t("elig_q_elderly_age", locale)]
    start = change
    assert start[-1]["buttons"][-2:] == [
        {"title": translate("elig_btn_dont_know", locale), "payload": "/dont_know"},
        {"title": translate("elig_btn_stop", locale), "payload": '/inform{"eligibility_value": "stop"}'},
    ]
    assert _texts(invalid) == [
        _t("elig_invalid_range", locale, min=0, max=120),
        _t("elig_q_elderly_age", locale),
    ]
    assert _texts(age) == [_t("elig_q_elderly_family_support", locale)]
    label = translate("elig_label_age", locale)
    assert _texts(fixed) == [
        _t("elig_correction_noted", locale, label=label, value=70),
        _t("elig_q_elderly_family_support", locale),
    ]
    assert _texts(family) == [_t("elig_q_elderly_resources", locale)]
    (outcome,) = _texts(resources)
    title = translate("elig_title_elderly_admission", locale)
    assert outcome.startswith(_t("elig_outcome_likely_eligible_elderly_admission", locale, programme=title))
    for key in (
        "elig_reason_elderly_typical_met",
        "elig_docs_elderly_admission",
        "elig_apply_elderly_admission",
        "elig_disclaimer",
    ):
        assert _t(key, locale) in outcome
    assert [b["payload"] for b in resources[0]["buttons"]] == [
        '/find_center{"center_type": "elderly"}',
        "/talk_to_human",
    ]


# "abc" is read as French by the language detector (the reply switches to French), so the Arabic-script
# and Arabizi rows give an impossible count instead
ASD_ROWS = [
    ("بغيت نعرف على الدعم الاجتماعي المباشر ديال الدراري", "25", "elig_invalid_range", "جوج", "ary", "1000"),
    ("bghit n3ref 3la da3m lmobachir dyal drari", "25", "elig_invalid_range", "juj", "ary_Latn", "1000"),
    ("أريد معلومات عن الدعم الاجتماعي المباشر للأطفال", "25", "elig_invalid_range", "اثنان", "ar", "1000"),
    ("Je voudrais des informations sur l'aide sociale directe", "abc", "elig_invalid_number", "deux", "fr", "1000 DH par mois"),
]  # fmt: skip


@pytest.mark.parametrize(("opening", "invalid", "error", "two", "locale", "amount"), ASD_ROWS)
def test_asd_counts_in_words_invalid_answers_and_the_estimate(
    assistant, opening, invalid, error, two, locale, amount
) -> None:
    replies = _talk(
        assistant,
        [opening, '/check_eligibility{"eligibility_programme": "direct_social_aid"}',
         "/affirm", "0", invalid, two, "1", "-1", "0", "1"],
    )  # fmt: skip
    questions = [_texts(r)[-1] for r in replies[2:-1]]
    assert questions == [
        _t("elig_q_asd_orphans_widow", locale), _t("elig_q_asd_children_0_5", locale),
        _t("elig_q_asd_children_0_5", locale), _t("elig_q_asd_children_6_20_school", locale),
        _t("elig_q_asd_children_6_20_out_of_school", locale), _t("elig_q_asd_children_6_20_out_of_school", locale),
        _t("elig_q_asd_children_disability", locale),
    ]  # fmt: skip
    assert _texts(replies[4])[0] == _t(error, locale, min=0, max=20)
    assert _texts(replies[7])[0] == _t("elig_invalid_negative", locale, min=0, max=20)  # "-1"
    outcome = _texts(replies[-1])[0]
    title = translate("elig_title_direct_social_aid", locale)
    assert outcome.startswith(_t("elig_outcome_cannot_tell", locale, programme=title))
    assert amount in outcome  # 2 × 300 + 1 × 300 + 1 × 100, grid of 2026
    assert "asd.ma" in outcome and _t("elig_disclaimer", locale) in outcome
    assert "9.3264284" not in outcome  # no score threshold, ever


def test_a_question_in_the_middle_then_back_to_the_question_then_stop(assistant) -> None:
    _, start, middle, stop = _talk(
        assistant,
        ["Bonjour", '/check_eligibility{"eligibility_programme": "disability_card"}',
         "Et cette carte handicap, elle est gratuite ?", '/inform{"eligibility_value": "stop"}'],
    )  # fmt: skip
    question = _t("elig_q_disability_card_has_disability", "fr")
    assert _texts(start)[-1] == question
    assert _texts(middle) == [_t("utter_disability_card", "fr"), question]
    assert _texts(stop) == [_t("elig_stopped", "fr")]
