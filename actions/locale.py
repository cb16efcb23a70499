"""Reply locale and translated texts inside the action server (same catalogues as the NLG)."""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.i18n.catalogs import translate
from bot.i18n.reply_locale import reply_locale


def tracker_locale(tracker: Tracker) -> str:
    """The reply locale of this conversation."""
    return reply_locale(tracker.slots)


def button(title_key: str, payload: str, locale: str) -> dict:
    """A button whose title is translated now (buttons added by actions bypass the NLG)."""
    return {"title": translate(title_key, locale), "payload": payload}
