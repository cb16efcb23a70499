"""Reply locale and translated texts inside the action server (same catalogues as the NLG)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.i18n.catalogs import translate
from bot.i18n.reply_locale import reply_locale

#: Answers shorter than this many words ("juj", "deux", "Casablanca") do not change the language of the
#: conversation's questions and answers: the language detector cannot tell a language from a word or two.
RELIABLE_WORDS = 3
_LOCALE_SLOTS = ("language", "script", "chosen_language")


def tracker_locale(tracker: Tracker) -> str:
    """The reply locale of this conversation."""
    return reply_locale(tracker.slots)


def answer_locale(tracker: Tracker) -> str:
    """The reply locale of the latest typed message long enough to tell (an explicit choice wins).

    For replies to an answer such as a number or a city name, which the detector may take for another
    language ("Casablanca" for French, "الرباط" for Darija), and to a button pressed after such an answer.
    """
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    if _tells_language(text) or tracker.get_slot("chosen_language"):
        return tracker_locale(tracker)
    reliable: dict[str, Any] = {}
    counts = True  # slots set before any message (session start) count
    for event in tracker.events or []:
        if event.get("event") == "user":
            typed = (event.get("text") or "").strip()
            counts = typed.startswith("/") or _tells_language(typed)  # a payload sets no language
        elif counts and event.get("event") == "slot" and event.get("name") in _LOCALE_SLOTS:
            reliable[event["name"]] = event.get("value")
    return reply_locale(reliable) if reliable.get("language") else tracker_locale(tracker)


def _tells_language(text: str) -> bool:
    """A typed message of several words tells its language; a payload or a word or two does not."""
    return not text.startswith("/") and len(text.split()) >= RELIABLE_WORDS


def button(title_key: str, payload: str, locale: str) -> dict:
    """A button whose title is translated now (buttons added by actions bypass the NLG)."""
    return {"title": translate(title_key, locale), "payload": payload}
