"""The language for a reply the channel sends itself (e.g. "I can read text and locations").

Such replies do not go through Rasa, so the NLG cannot choose the language: the channel reads the
conversation's ``chosen_language`` / ``language`` slots from the tracker store, else uses the
language of the citizen's app (Telegram's ``language_code``), else Darija.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.i18n.catalogs import DEFAULT_LOCALE
from bot.i18n.reply_locale import reply_locale

logger = logging.getLogger(__name__)

APP_LANGUAGES = {"fr": "fr", "ar": "ar"}


async def conversation_locale(app: Any, sender_id: str, app_language: str | None = None) -> str:
    """Reply locale of ``sender_id``'s conversation (``app`` is the Rasa Sanic app)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is not None:
        try:
            tracker = await tracker_store.retrieve(sender_id)
        except Exception as error:  # the reply still goes out, in the fallback language
            logger.warning("Could not read the conversation's language: %s", type(error).__name__)
            tracker = None
        if tracker is not None:
            slots = tracker.current_slot_values()
            if slots.get("chosen_language") or slots.get("language"):
                return reply_locale(slots)
    language = app_language.split("-")[0].lower() if isinstance(app_language, str) else ""
    return APP_LANGUAGES.get(language, DEFAULT_LOCALE)
