"""A message with no known word is a misunderstanding, answered in the conversation's language.

Unit checks of the vocabulary (near spellings are known, keyboard mashing is not), then real
conversations through the REST channel: mashing never gets a greeting, an out-of-scope answer or an
emergency reply; the second misunderstanding in a row offers a person; the reply keeps the language
the conversation was in; "did you mean" never offers a danger topic as a guess.
"""

from __future__ import annotations

import pytest

from actions.fallback import danger_ranked_first, suggested_intents
from bot.nlu.nothing_understood import Vocabulary, nothing_understood, words_of

VOCABULARY = Vocabulary(words_of("bghit nhder m3a chi wa7ed salam kifach ndir carte handicap je veux parler"))


@pytest.mark.parametrize("text", ["sdfkjh qwpoei zxmcn", "azerty uiop", "xcvbn ,;:!", "lkjhg poiuy", "qsdfg"])
def test_keyboard_mashing_is_not_understood(text: str) -> None:
    assert nothing_understood(text, VOCABULARY)


@pytest.mark.parametrize(
    "text",
    [
        "bghit nhdar m3a chi wa7d",  # one letter changed or dropped in each word
        "je veu parlr",  # letters dropped
        "kifach ndir lcarte",  # a word glued to the article is one letter off
        "handicpa",  # two letters swapped
        "123 456",  # numbers are never unknown
        "?? !!",  # no word at all: the no-text path, not this one
        "",
    ],
)
def test_near_spellings_numbers_and_empty_messages_are_not_flagged(text: str) -> None:
    assert not nothing_understood(text, VOCABULARY)


def test_short_words_must_match_exactly() -> None:
    """'fdsa' is one letter from many short words: only words of five letters or more are forgiven."""
    vocabulary = Vocabulary(["fisa", "dsa9", "salam"])
    assert nothing_understood("fdsa", vocabulary)
    assert not nothing_understood("salaam", vocabulary)


def _texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def _buttons(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


EMERGENCY_LINE = "177"  # in every locale's emergency reply, never in the misunderstanding replies


@pytest.mark.model
@pytest.mark.server
def test_mashing_twice_is_two_misunderstandings_then_a_person(assistant) -> None:
    first = assistant.say("nu-mash-1", "sdfkjh qwpoei zxmcn")
    assert "/talk_to_human" in _buttons(first) and "/ask_capabilities" in _buttons(first)
    assert EMERGENCY_LINE not in _texts(first) and "/choose_language" not in str(_buttons(first))
    second = assistant.say("nu-mash-1", "lkjhg poiuy")
    assert EMERGENCY_LINE not in _texts(second)
    assert "/talk_to_human" in _buttons(second)
    assert assistant.tracker("nu-mash-1")["latest_message"]["intent"]["name"] == "nlu_fallback"


@pytest.mark.model
@pytest.mark.server
@pytest.mark.parametrize(
    ("opening", "marker"),
    [
        ("salam, bghit n3ref chno homa lkhadamat dyalkom", "Sme7 lia"),  # Darija in Latin letters
        ("السلام عليكم، بغيت نعرف شنو هي الخدمات ديالكم", "سمح ليا"),  # Darija in Arabic script
        ("مرحبا، أريد أن أعرف ما هي خدماتكم من فضلكم", "عذرا"),  # Modern Standard Arabic
        ("Bonjour, je voudrais connaître vos services s'il vous plaît", "Désolé"),  # French
    ],
)
def test_a_misunderstanding_keeps_the_conversation_language(assistant, opening: str, marker: str) -> None:
    sender = f"nu-lang-{abs(hash(opening))}"
    assistant.say(sender, opening)
    reply = assistant.say(sender, "wxcvb qsdfg hjklm")
    assert marker in _texts(reply), _texts(reply)


def test_did_you_mean_never_guesses_a_danger_topic() -> None:
    ranking = [
        {"name": n} for n in ("emergency", "child_protection", "social_aid", "ask_line_8350", "find_center")
    ]
    assert suggested_intents(ranking) == ["social_aid", "find_center"]
    assert danger_ranked_first(ranking)
    assert not danger_ranked_first([{"name": "greet"}, {"name": "social_aid"}, {"name": "emergency"}])


@pytest.mark.model
@pytest.mark.server
def test_did_you_mean_offers_no_danger_topic_in_a_conversation(assistant) -> None:
    """Ambiguous words: when the assistant asks "did you mean", no button asks about danger."""
    danger = {
        "/emergency",
        "/violence_support",
        "/ask_line_8350",
        "/ask_violence_rights",
        "/child_protection",
    }
    for n, text in enumerate(["jsp quoi faire avec ma situation", "3ndi wa7d lmochkil f dar", "عندي مشكل"]):
        reply = assistant.say(f"nu-guess-{n}", text)
        if assistant.tracker(f"nu-guess-{n}")["latest_message"]["intent"]["name"] == "nlu_fallback":
            assert not danger & set(_buttons(reply)), (text, _buttons(reply))
