"""The Babel NLG: picks the locale from the slots and translates text and buttons."""

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.i18n.bidi import RLM, strip_bidi_marks
from bot.i18n.catalogs import translate
from bot.i18n.render import render_text
from bot.nlg import BabelNaturalLanguageGenerator

DOMAIN = Domain.load("domain.yml")


def _generate(action: str, slots: dict, **kwargs) -> dict:
    tracker = DialogueStateTracker("t", DOMAIN.slots)
    tracker.update_with_events([SlotSet(name, value) for name, value in slots.items()], DOMAIN)
    nlg = BabelNaturalLanguageGenerator(domain=DOMAIN)
    return asyncio.run(nlg.generate(action, tracker, "rest", **kwargs))


@pytest.mark.parametrize(
    ("slots", "locale"),
    [
        ({"language": "fr"}, "fr"),
        ({"language": "ar"}, "ar"),
        ({"language": "ary", "script": "Latn"}, "ary_Latn"),
        ({"language": "fr", "chosen_language": "ary", "script": "Arab"}, "ary"),
    ],
)
def test_text_and_buttons_come_from_the_catalogue_of_the_reply_locale(slots, locale):
    response = _generate("utter_how_can_help", slots)
    assert strip_bidi_marks(response["text"]) == translate("utter_how_can_help", locale)
    assert response["buttons"][0] == {
        "title": translate("btn_violence", locale),
        "payload": "/violence_support",
    }


def test_arabic_reply_is_right_to_left_and_french_is_not():
    assert _generate("utter_emergency", {"language": "ary"})["text"].startswith(RLM)
    assert RLM not in _generate("utter_emergency", {"language": "fr"})["text"]


def test_explicit_locale_from_an_action_wins():
    response = _generate("utter_thank", {"language": "ar"}, locale="fr")
    assert response["text"] == translate("utter_thank", "fr")


def test_unknown_response_gives_nothing():
    assert _generate("utter_does_not_exist", {}) is None


def _conversation(*turns: tuple[str, dict]) -> DialogueStateTracker:
    """Turns of (typed text, slots the NLU set for it), as Rasa stores them."""
    tracker = DialogueStateTracker("t", DOMAIN.slots)
    for text, slots in turns:
        tracker.update_with_events(
            [UserUttered(text, {"name": "inform", "confidence": 0.9})]
            + [SlotSet(name, value) for name, value in slots.items()],
            DOMAIN,
        )
    return tracker


def _reply(tracker: DialogueStateTracker, action: str = "utter_thank") -> str:
    nlg = BabelNaturalLanguageGenerator(domain=DOMAIN)
    return strip_bidi_marks(asyncio.run(nlg.generate(action, tracker, "rest"))["text"])


@pytest.mark.parametrize(
    ("first", "short", "expected"),
    [
        (("wach kayn chi markaz l3ajaza f tanja", {"language": "ary", "script": "Latn"}), ("merci", {"language": "fr"}), "ary_Latn"),
        (("أين يوجد أقرب مركز اجتماعي في مدينة وجدة", {"language": "ar", "script": "Arab"}), ("الرباط", {"language": "ary"}), "ar"),
        (("je cherche un centre pour mon père âgé", {"language": "fr", "script": "Latn"}), ("Tanja", {"language": "ary"}), "fr"),
    ],
)  # fmt: skip
def test_a_word_or_two_does_not_switch_the_reply_language(first, short, expected):
    assert _reply(_conversation(first, short)) == translate("utter_thank", expected)


def test_a_longer_message_in_another_language_switches_it():
    tracker = _conversation(
        ("wach kayn chi markaz l3ajaza f tanja", {"language": "ary", "script": "Latn"}),
        ("merci beaucoup pour votre aide", {"language": "fr", "script": "Latn"}),
    )
    assert _reply(tracker) == translate("utter_thank", "fr")


def test_a_first_short_message_is_answered_in_its_detected_language():
    assert _reply(_conversation(("merci", {"language": "fr", "script": "Latn"}))) == translate(
        "utter_thank", "fr"
    )


def test_an_action_sends_a_catalogue_key_with_its_values():
    response = _generate("utter_handoff_claimed", {"language": "ar"}, name="Salma", text=None, buttons=[])
    assert response["text"] == render_text("utter_handoff_claimed", "ar", {"name": "Salma"})
    assert response["locale"] == "ar"


def test_parts_are_rendered_innermost_first_in_the_reply_locale():
    from bot.i18n import parts

    facts = parts.joined(
        [parts.text("elig_fact_item", label=parts.word("elig_label_age"), value=70)],
        parts.by_locale({"ary": "، ", "ar": "، ", "ary_Latn": ", ", "fr": ", "}),
    )
    response = _generate("elig_facts_taken", {"language": "fr"}, facts=facts)
    item = render_text("elig_fact_item", "fr", {"label": translate("elig_label_age", "fr"), "value": 70})
    assert response["text"] == render_text("elig_facts_taken", "fr", {"facts": item})


def test_composed_parts_bypass_a_domain_response_of_the_same_name_and_choices_become_buttons():
    from bot.i18n import parts

    response = _generate(
        "utter_emergency",
        {"language": "fr"},
        parts=[parts.text("utter_emergency"), parts.km(2.44)],
        separator="\n",
        choices=[
            parts.choice("btn_menu", "/ask_services"),
            parts.choice(parts.by_locale({"fr": "Oujda"}), "/x"),
        ],
    )
    assert response["text"] == f"{translate('utter_emergency', 'fr')}\n2,4 km"
    assert response["buttons"] == [
        {"title": translate("btn_menu", "fr"), "payload": "/ask_services"},
        {"title": "Oujda", "payload": "/x"},
    ]
