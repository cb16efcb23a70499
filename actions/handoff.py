"""Handing a conversation to a caseworker, and the bot's part while a person has it.

``action_handoff`` runs after the citizen chose what to share (``share_scope``): inside office
hours with a caseworker online it queues a handoff (priority from the conversation's most serious
topic), pauses the bot (``handoff_active``) and gives the place in the queue with a wait estimate;
otherwise it says when staff are back, gives the lines for the topic and offers a callback.
While the handoff lasts, ``HandoffPolicy`` routes every citizen message to
``action_relay_to_caseworker``; the console speaks through the ``EXTERNAL_`` intents.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from typing import Any, Dict, List

from babel.dates import format_datetime
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asks import _Ask
from actions.locale import tracker_locale
from bot.handoff.callback_crypto import encrypt_phone
from bot.handoff.office_hours import OfficeHours
from bot.handoff.store import HandoffStore
from bot.i18n import parts
from bot.i18n.catalogs import LOCALES
from bot.i18n.render import direct_text
from bot.privacy.phone_numbers import parse_callback_number
from bot.privacy.redaction import PLACEHOLDERS
from bot.settings import get_settings

logger = logging.getLogger(__name__)

#: Topics that set the queue priority; everything else is ``normal``.
TOPIC_PRIORITY = {
    "emergency": "urgent",
    "violence_support": "urgent",
    "ask_violence_rights": "urgent",
    "ask_line_8350": "urgent",
    "child_protection": "high",
}
#: Intents that say nothing about what the conversation is about.
NOT_A_TOPIC = frozenset(
    {
        "greet", "goodbye", "thank", "affirm", "deny", "inform", "talk_to_human", "nlu_fallback",
        "bot_challenge", "choose_language", "delete_my_data", "out_of_scope", "ask_capabilities",
    }
)  # fmt: skip
#: Which lines the citizen gets when nobody can take the conversation now.
LINES_BY_TOPIC = {
    "emergency": "utter_handoff_lines_emergency",
    "violence_support": "utter_handoff_lines_violence",
    "ask_violence_rights": "utter_handoff_lines_violence",
    "ask_line_8350": "utter_handoff_lines_violence",
    "child_protection": "utter_handoff_lines_child",
}
SUMMARY_SLOTS = ("city", "center_type", "service_id")
CALLBACK_BUTTONS = (("btn_callback_yes", "/affirm"), ("btn_callback_no", "/deny"))
BABEL_LOCALE = {"fr": "fr_MA", "ar": "ar_MA", "ary": "ar_MA", "ary_Latn": "fr_MA"}


@cache
def handoff_store() -> HandoffStore:
    """The handoff database of this process (``HANDOFF_DB_URL``, SQLite under var/ by default)."""
    return HandoffStore()


def office_hours() -> OfficeHours:
    """The team's hours (``OFFICE_HOURS_FILE`` or data/handoff/office_hours.yml), read on each use."""
    path = get_settings().office_hours_file
    return OfficeHours.load(path) if path else OfficeHours.load()


def user_intents(tracker: Tracker) -> list[str]:
    """The intent of every citizen message so far, oldest first."""
    return [
        ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        for event in tracker.events
        if event.get("event") == "user"
    ]


def conversation_topic(tracker: Tracker) -> tuple[str, str]:
    """(topic, priority): the most serious topic seen, else the latest topic, else ``general``."""
    intents = [
        i for i in user_intents(tracker) if i and i not in NOT_A_TOPIC and not i.startswith("EXTERNAL_")
    ]
    for level in ("urgent", "high"):
        serious = [i for i in intents if TOPIC_PRIORITY.get(i) == level]
        if serious:
            return serious[-1], level
    return (intents[-1] if intents else "general"), "normal"


def transcript(tracker: Tracker) -> list[tuple[str, str, float]]:
    """(author, text, time) of every citizen and bot message so far; button presses shown as such."""
    lines = []
    for event in tracker.events:
        kind, text = event.get("event"), event.get("text")
        if kind == "user" and text:
            if text.startswith("/"):
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or "?"
                text = f"[{intent}]"
            lines.append(("citizen", text, float(event.get("timestamp") or 0)))
        elif kind == "bot" and text:
            lines.append(("bot", text, float(event.get("timestamp") or 0)))
    return lines


def transcript_without_latest_answer(tracker: Tracker) -> list[tuple[str, str, float]]:
    """The transcript with the citizen's latest message (the number just typed) masked.

    The number is stored encrypted; the copied transcript must not hold it in clear.
    """
    lines = transcript(tracker)
    for index in range(len(lines) - 1, -1, -1):
        author, _text, at = lines[index]
        if author == "citizen":
            lines[index] = (author, PLACEHOLDERS["phone"], at)
            break
    return lines


def staff_available(now: dt.datetime) -> bool:
    """Inside office hours and (unless disabled) at least one caseworker with the console open."""
    if not office_hours().is_open(now):
        return False
    if not get_settings().handoff_require_staff_online:
        return True
    return handoff_store().staff_online(now.timestamp()) > 0


def when_back(locale: str, now: dt.datetime) -> str:
    """The next opening time written for the citizen's locale ("lundi 30 novembre, 08:30")."""
    opening = office_hours().next_opening(now)
    if opening is None:
        return "—"
    return format_datetime(opening, "EEEE d MMMM, HH:mm", tzinfo=opening.tzinfo, locale=BABEL_LOCALE[locale])


def when_back_text(now: dt.datetime) -> dict:
    """The next opening time for the NLG, written for each reply locale."""
    return parts.by_locale({locale: when_back(locale, now) for locale in LOCALES})


class ActionHandoff(Action):
    """Queues a live handoff, or falls back to the callback offer when nobody can take it."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        locale = tracker_locale(tracker)
        store = handoff_store()
        existing = store.open_for(tracker.sender_id)
        if existing is not None:
            place = store.queue_place(existing.id)
            if place.position:
                dispatcher.utter_message(
                    response="utter_handoff_still_queued", position=place.position, minutes=place.wait_minutes
                )
            return [SlotSet("handoff_active", True), SlotSet("handoff_id", str(existing.id))]
        now = dt.datetime.now(dt.timezone.utc)
        if not staff_available(now):
            return [FollowupAction("action_offer_callback")]
        topic, priority = conversation_topic(tracker)
        scope = tracker.get_slot("share_scope") or "summary"
        summary = {"topic": topic, "language": locale}
        summary.update({slot: tracker.get_slot(slot) for slot in SUMMARY_SLOTS if tracker.get_slot(slot)})
        handoff = store.create(
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel(),
            language=locale,
            topic=topic,
            priority=priority,
            consent_scope=scope,
            summary=summary,
            history=transcript(tracker),
        )
        place = store.queue_place(handoff.id)
        dispatcher.utter_message(
            response="utter_handoff_queued", position=place.position, minutes=place.wait_minutes
        )
        if priority == "urgent":
            dispatcher.utter_message(response="utter_handoff_danger_reminder")
        logger.info("Handoff %s queued (topic %s, priority %s, scope %s)", handoff.id, topic, priority, scope)
        events: List[EventType] = [SlotSet("handoff_active", True), SlotSet("handoff_id", str(handoff.id))]
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events


class ActionOfferCallback(Action):
    """Nobody can take the conversation now: when staff are back, the lines for the topic, a callback."""

    def name(self) -> str:
        return "action_offer_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        now = dt.datetime.now(dt.timezone.utc)
        if office_hours().is_open(now):
            dispatcher.utter_message(response="utter_handoff_busy")
        else:
            dispatcher.utter_message(response="utter_handoff_offline", when=when_back_text(now))
        topic, _ = conversation_topic(tracker)
        dispatcher.utter_message(response=LINES_BY_TOPIC.get(topic, "utter_handoff_lines_general"))
        dispatcher.utter_message(
            response="utter_ask_callback",
            choices=[parts.choice(title, payload) for title, payload in CALLBACK_BUTTONS],
        )
        return []


class ActionAskCallbackPhone(_Ask):
    """Asks for the number to call back, with the accepted formats (the forms' shared ask)."""

    key = "utter_ask_callback_phone"

    def name(self) -> str:
        return "action_ask_callback_phone"


class ValidateCallbackForm(FormValidationAction):
    """Checks the phone number; a valid one is stored encrypted at once and never kept in a slot."""

    def name(self) -> str:
        return "validate_callback_form"

    async def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        locale = tracker_locale(tracker)
        phone = parse_callback_number(str(value or ""))
        if phone is None:
            dispatcher.utter_message(response="utter_callback_phone_invalid")
            return {"callback_phone": None}
        topic, priority = conversation_topic(tracker)
        scope = tracker.get_slot("share_scope") or "summary"
        handoff_store().create(
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel(),
            language=locale,
            topic=topic,
            priority=priority,
            consent_scope=scope,
            summary={"topic": topic, "language": locale},
            history=transcript_without_latest_answer(tracker),
            kind="callback",
            callback_phone=encrypt_phone(phone),
        )
        logger.info("Callback request stored (topic %s, priority %s)", topic, priority)
        return {"callback_phone": "stored"}


class ActionCallbackSaved(Action):
    """Confirms the callback request and says how to erase it."""

    def name(self) -> str:
        return "action_callback_saved"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        now = dt.datetime.now(dt.timezone.utc)
        dispatcher.utter_message(response="utter_callback_saved", when=when_back_text(now))
        return [SlotSet("callback_phone", None)]


class ActionRelayToCaseworker(Action):
    """Passes a citizen message to the console; a danger signal also gets the emergency lines and an alert."""

    def name(self) -> str:
        return "action_relay_to_caseworker"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        store = handoff_store()
        handoff_id = tracker.get_slot("handoff_id")
        handoff = store.get(int(handoff_id)) if str(handoff_id or "").isdigit() else None
        if handoff is not None and handoff.conversation_id != tracker.sender_id:
            # the slot is only a pointer: the handoff must belong to this very conversation
            logger.warning("handoff_id slot names another conversation's handoff; relay refused")
            handoff = None
        if handoff is None or handoff.status == "closed":
            dispatcher.utter_message(response="utter_handoff_closed")
            return [SlotSet("handoff_active", False), SlotSet("handoff_id", None)]
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        text = message.get("text") or ""
        if (message.get("metadata") or {}).get("no_text"):
            text = "[non-text message]"
        elif text.startswith("/"):
            text = f"[{intent}]"
        danger = intent == "emergency"
        store.add_citizen_message(handoff.id, text, alert=danger)
        if danger:
            locale = tracker_locale(tracker)
            for key in ("utter_emergency", "utter_handoff_alerted"):
                # the text alone, without the buttons of the domain's utter_emergency (a person is here)
                dispatcher.utter_message(response=key, parts=[parts.text(key)])
                store.add_bot_message(handoff.id, direct_text(key, locale))  # the console's copy
            logger.warning("Danger signal during handoff %s: console alerted", handoff.id)
        return []


class ActionDeliverCaseworkerMessage(Action):
    """Sends a caseworker's reply (given by the console as an entity) to the citizen."""

    def name(self) -> str:
        return "action_deliver_caseworker_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        text = next(tracker.get_latest_entity_values("caseworker_text"), None)
        if text:
            dispatcher.utter_message(text=str(text))
        return []


class ActionHandoffClaimed(Action):
    """Tells the citizen a person has joined."""

    def name(self) -> str:
        return "action_handoff_claimed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        name = next(tracker.get_latest_entity_values("caseworker_name"), None) or "—"
        dispatcher.utter_message(response="utter_handoff_claimed", name=name)
        return []


class ActionHandoffClosed(Action):
    """The caseworker closed: the bot is back, with a short message."""

    def name(self) -> str:
        return "action_handoff_closed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_closed")
        return [SlotSet("handoff_active", False), SlotSet("handoff_id", None), SlotSet("share_scope", None)]
