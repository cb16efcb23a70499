"""Which catalogue a reply uses, from the conversation's slots.

``chosen_language`` (an explicit choice) wins over ``language`` (detected message by message);
Darija is answered in the script the citizen writes in (``script`` slot).
"""

from __future__ import annotations

from typing import Any, Mapping

from bot.i18n.catalogs import DEFAULT_LOCALE

LANGUAGES = ("ary", "ar", "fr")


def reply_locale(slots: Mapping[str, Any], override: str | None = None) -> str:
    """``ary``, ``ary_Latn``, ``ar`` or ``fr`` for the given slot values."""
    language = override or slots.get("chosen_language") or slots.get("language") or DEFAULT_LOCALE
    if language not in LANGUAGES:
        language = DEFAULT_LOCALE
    if language == "ary" and slots.get("script") == "Latn":
        return "ary_Latn"
    return language
