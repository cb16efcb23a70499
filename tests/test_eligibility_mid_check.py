"""Free-text answers in the middle of an eligibility check stay in the check, through the live servers
and the real model: an age, "she lives alone", "no pension", "he has the card", "we are registered"
answer the question asked, whatever intent the classifier gives them, and never bring the information
of a topic (elderly care, social aid, the disability card) instead of the next question."""

from __future__ import annotations

import uuid

import pytest

from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate
from bot.i18n.render import render_text

pytestmark = pytest.mark.server

ELDERLY = '/check_eligibility{"eligibility_programme": "elderly_admission"}'
DISABILITY_CARD = '/check_eligibility{"eligibility_programme": "disability_card"}'
#: Topic replies that would mean the answer was taken for a new request.
TOPIC_KEYS = ("utter_elderly_care", "utter_social_aid", "utter_disability_card", "utter_homeless_support")


def _talk(assistant, messages: list[str]) -> list[list[dict]]:
    sender = f"midcheck-{uuid.uuid4().hex[:12]}"
    return [assistant.say(sender, message) for message in messages]


def _texts(replies: list[dict]) -> list[str]:
    return [strip_bidi_marks(r["text"]) for r in replies if r.get("text")]


def _t(key: str, locale: str) -> str:
    return strip_bidi_marks(render_text(key, locale, {}))


def _no_topic_reply(texts: list[str], locale: str) -> None:
    topics = {strip_bidi_marks(translate(key, locale)) for key in TOPIC_KEYS}
    assert not topics & set(texts), texts


# A greeting in the variety, the check, then the age, the family and the resources in free text.
ELDERLY_ROWS = [
    ("السلام عليكم", "مي عندها 77 عام", "كتسكن بوحدها، حتى واحد ما كيتهلا فيها", "ما عندهاش التقاعد", "ary"),
    ("salam", "mimti 3ndha 77 3am", "sakna bo7dha, 7ta wa7ed ma kaytehla fiha", "ma 3ndhach retraite", "ary_Latn"),
    ("مرحبا، أريد أن أستفسر من فضلكم", "أمي عمرها 77 سنة", "تعيش وحدها ولا أحد يعتني بها", "ليس لها أي معاش", "ar"),
    ("bonjour", "ma mère a 77 ans", "elle vit seule, personne ne s'occupe d'elle", "elle n'a pas de pension", "fr"),
]  # fmt: skip


@pytest.mark.parametrize(("greeting", "age", "family", "resources", "locale"), ELDERLY_ROWS)
def test_elderly_answers_in_free_text_stay_in_the_check(
    assistant, greeting, age, family, resources, locale
) -> None:
    _, start, after_age, after_family, outcome = _talk(assistant, [greeting, ELDERLY, age, family, resources])
    assert _texts(start)[-1] == _t("elig_q_elderly_age", locale)
    assert _texts(after_age)[-1] == _t("elig_q_elderly_family_support", locale)
    assert _texts(after_family)[-1] == _t("elig_q_elderly_resources", locale)
    title = translate("elig_title_elderly_admission", locale)
    texts = _texts(outcome)
    expected = strip_bidi_marks(
        render_text("elig_outcome_likely_eligible_elderly_admission", locale, {"programme": title})
    )
    assert texts[-1].startswith(expected), texts
    for texts in map(_texts, (after_age, after_family, outcome)):
        _no_topic_reply(texts, locale)


# The disability card check: the disability and the social registry said in words, not yes or no.
CARD_ROWS = [
    ("السلام عليكم", "ولدي عندو إعاقة ذهنية", "آه، مسجلين فالسجل الاجتماعي ديالنا", "ary"),
    ("salam", "weldi 3ndo i3a9a dhihniya", "iyeh msajlin f rsu", "ary_Latn"),
    ("مرحبا، أريد أن أستفسر من فضلكم", "ابني لديه إعاقة ذهنية", "نعم نحن مسجلون في السجل الاجتماعي", "ar"),
    ("bonjour", "mon fils a un handicap mental", "oui on est inscrits au RSU", "fr"),
]  # fmt: skip


@pytest.mark.parametrize(("greeting", "disability", "registered", "locale"), CARD_ROWS)
def test_disability_card_answers_in_free_text_stay_in_the_check(
    assistant, greeting, disability, registered, locale
) -> None:
    _, start, after_disability, outcome = _talk(
        assistant, [greeting, DISABILITY_CARD, disability, registered]
    )
    assert _texts(start)[-1] == _t("elig_q_disability_card_has_disability", locale)
    assert _texts(after_disability)[-1] == _t("elig_q_rsu_registered", locale)
    title = translate("elig_title_disability_card", locale)
    expected = strip_bidi_marks(render_text("elig_outcome_likely_eligible", locale, {"programme": title}))
    assert _texts(outcome)[-1].startswith(expected), _texts(outcome)
    for texts in map(_texts, (after_disability, outcome)):
        _no_topic_reply(texts, locale)
