"""The conversation's locale inside the action server (what a record such as a handoff is filed under)."""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.i18n.reply_locale import Step, conversation_locale


def tracker_locale(tracker: Tracker) -> str:
    """The reply locale of the latest typed message long enough to tell (an explicit choice wins).

    The same rule as the NLG's (bot/i18n/reply_locale.py): a reply to an answer such as a number or a
    city name, which the detector may take for another language ("Casablanca" for French, "الرباط" for
    Darija), or to a button pressed after such an answer, keeps the conversation's language.
    """
    history = (
        Step(text=event.get("text") or "")
        if event.get("event") == "user"
        else Step(slot=event.get("name"), value=event.get("value"))
        for event in tracker.events or []
        if event.get("event") in ("user", "slot")
    )
    return conversation_locale(tracker.slots, history, (tracker.latest_message or {}).get("text") or "")
