"""What the citizen already wrote is not asked again, through the live servers and the real model: the
check says what it took, asks only what is missing, and a correction or "change" fixes a wrong reading."""

from __future__ import annotations

import uuid

import pytest

from bot.eligibility.facts_from_text import extract_facts
from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate
from bot.i18n.render import render_text

pytestmark = pytest.mark.server

ELDERLY = '/check_eligibility{"eligibility_programme": "elderly_admission"}'
CHANGE = '/inform{"eligibility_value": "change"}'


def _talk(assistant, messages: list[str]) -> list[list[dict]]:
    sender = f"facts-{uuid.uuid4().hex[:12]}"
    return [assistant.say(sender, message) for message in messages]


def _texts(replies: list[dict]) -> list[str]:
    return [strip_bidi_marks(r["text"]) for r in replies if r.get("text")]


def _t(key: str, locale: str, **values) -> str:
    return strip_bidi_marks(render_text(key, locale, values))


def _summary(locale: str, items: list[tuple[str, int | None]]) -> str:
    """The check's summary: each answer it took stated as a fact (``elig_said_*``), not as a question."""
    joiner = "، " if locale in ("ary", "ar") else ", "
    facts = joiner.join(render_text(key, locale, {"value": value}) for key, value in items)
    return _t("elig_facts_taken", locale, facts=facts)


# A first message with the age and "nobody looks after her": the check asks only about resources.
ROWS = [
    ("مي عندها ٧٨ عام وما عندها حتى واحد يتهلا فيها، واش نقدر ندخلها لدار العجزة؟", "لا، عندها سبعين عام", "ary"),
    ("mimti 3ndha tmanya w sb3in 3am w sakna bo7dha, wach t9der tdkhol l dar l3ajaza?", "la, 3ndha 70 3am", "ary_Latn"),
    ("أمي عمرها 78 سنة وتعيش وحدها، هل يمكن قبولها في دار للمسنين؟", "لا، عمرها سبعون سنة", "ar"),
    ("Ma mère a soixante-dix-huit ans et vit seule, peut-elle entrer dans une maison de retraite ?", "non, elle a 70 ans", "fr"),
]  # fmt: skip


@pytest.mark.parametrize(("opening", "correction", "locale"), ROWS)
def test_the_check_asks_only_what_is_missing_and_takes_a_correction(
    assistant, opening, correction, locale
) -> None:
    assert extract_facts(opening)["age"] == 78
    _, start, fixed, outcome = _talk(assistant, [opening, ELDERLY, correction, "/deny"])
    assert _texts(start) == [
        _t("elig_intro", locale),
        _summary(locale, [("elig_said_age", 78), ("elig_said_family_support_no", None)]),
        _t("elig_q_elderly_resources", locale),  # age and family support are not asked again
    ]
    assert _texts(fixed) == [
        _t("elig_correction_noted", locale, label=translate("elig_label_age", locale), value=70),
        _t("elig_q_elderly_resources", locale),
    ]
    title = translate("elig_title_elderly_admission", locale)
    (text,) = _texts(outcome)
    assert text.startswith(_t("elig_outcome_likely_eligible_elderly_admission", locale, programme=title))


def test_everything_said_gives_the_outcome_at_once_and_change_starts_over(assistant) -> None:
    opening = (
        "Mon père a 81 ans, il vit seul à Oujda et n'a aucune pension. Peut-il aller dans un établissement ?"
    )
    _, start, change, age = _talk(assistant, [opening, ELDERLY, CHANGE, "81"])
    texts = _texts(start)
    assert texts[1] == _summary(
        "fr",
        [("elig_said_age", 81), ("elig_said_family_support_no", None), ("elig_said_resources_no", None)],
    )
    assert "81 ans, sans famille qui puisse s'en occuper, sans revenu ni ressources" in texts[1]
    assert texts[2].startswith(
        _t(
            "elig_outcome_likely_eligible_elderly_admission",
            "fr",
            programme=translate("elig_title_elderly_admission", "fr"),
        )
    )
    assert start[-1]["buttons"][0]["payload"] == '/find_center{"center_type": "elderly", "city": "oujda"}'
    assert _texts(change) == [_t("elig_facts_cleared", "fr"), _t("elig_q_elderly_age", "fr")]
    assert _texts(age) == [_t("elig_q_elderly_family_support", "fr")]
