"""Which catalogue a reply uses, from the conversation's slots.

``chosen_language`` (an explicit choice) wins over ``language`` (detected message by message);
Darija is answered in the script the citizen writes in (``script`` slot).

A typed message of one or two words ("merci", "Oujda", "الرباط", "wakha") does not change the
language of the conversation: the detector cannot tell a language from a word or two, and a city
name or a "yes" is not a switch. :func:`conversation_locale` therefore keeps the locale set by the
last message long enough to tell; it serves both the Rasa-side NLG and the action server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from bot.i18n.catalogs import DEFAULT_LOCALE

LANGUAGES = ("ary", "ar", "fr")
#: Typed messages shorter than this many words do not change the conversation's language.
RELIABLE_WORDS = 3
LOCALE_SLOTS = ("language", "script", "chosen_language")


def reply_locale(slots: Mapping[str, Any], override: str | None = None) -> str:
    """``ary``, ``ary_Latn``, ``ar`` or ``fr`` for the given slot values."""
    language = override or slots.get("chosen_language") or slots.get("language") or DEFAULT_LOCALE
    if language not in LANGUAGES:
        language = DEFAULT_LOCALE
    if language == "ary" and slots.get("script") == "Latn":
        return "ary_Latn"
    return language


@dataclass(frozen=True)
class Step:
    """What the locale depends on in a conversation's history: a user message or a slot set."""

    text: str | None = None  # a user message
    slot: str | None = None  # or a slot set (name and value)
    value: Any = None


def tells_language(text: str) -> bool:
    """A typed message of several words tells its language; a payload or a word or two does not."""
    return not text.startswith("/") and len(text.split()) >= RELIABLE_WORDS


def conversation_locale(slots: Mapping[str, Any], history: Iterable[Step], latest_text: str) -> str:
    """The reply locale: the latest message's when it tells its language (or one was chosen),
    otherwise the one set by the last message that did; the detected one when none did yet."""
    if tells_language(latest_text.strip()) or slots.get("chosen_language"):
        return reply_locale(slots)
    reliable: dict[str, Any] = {}
    counts = True  # slots set before any message (session start) count
    for step in history:
        if step.text is not None:
            typed = step.text.strip()
            counts = typed.startswith("/") or tells_language(typed)  # a payload sets no language
        elif counts and step.slot in LOCALE_SLOTS:
            reliable[step.slot] = step.value
    return reply_locale(reliable) if reliable.get("language") else reply_locale(slots)
