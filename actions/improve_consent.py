"""The citizen's agreement that her messages may help improve the assistant (slot ``improve_consent``).

This is the only consent the review queue uses (bot/review/collect.py). It is a purpose of its
own: what she chose to share with a caseworker (``share_scope``) is never read as it. So it is
asked separately, in plain words and in her language, once, at goodbye, and only in a calm
conversation: never after a danger, violence, child-protection, handoff, callback or erase
request (``data/review/settings.yml``), and never before help. Saying no changes nothing.

She may agree or withdraw by her own words at any time ("stop using my messages"). A withdrawal
sets the slot to false and deletes her items still in the review queue at once (the review queue
lives in the handoff database, like the erase hook's). An agreement is recorded only from a tap on
the question's "yes" button or a "yes" typed right after the question: a typed "you may use my
messages" is first answered with the question, so she always sees what she agrees to.
"""

from __future__ import annotations

import logging
from functools import cache, lru_cache
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.privacy.conversation_hash import conversation_hash
from bot.privacy.retention import RetentionPolicy
from bot.review.settings import DEFAULT_SETTINGS, ReviewSettings
from bot.review.store import ReviewStore
from bot.stores.console_database import database_url

logger = logging.getLogger(__name__)

CONSENT_SLOT = "improve_consent"
ASKED_SLOT = "improve_consent_asked"
QUESTION = "utter_improve_consent_question"
OPT_IN = "improve_opt_in"
OPT_OUT = "improve_opt_out"


@cache
def quiet_rules() -> tuple[frozenset[str], frozenset[str]]:
    """Intents and actions after which the question is never asked (settings + sensitive intents)."""
    settings = ReviewSettings.load(DEFAULT_SETTINGS)
    sensitive = frozenset(RetentionPolicy.load().sensitive_intents)
    return settings.quiet_intents | sensitive, settings.quiet_actions


def is_calm(events: List[Dict[str, Any]], slots: Dict[str, Any]) -> bool:
    """True when nothing in the conversation makes the question out of place."""
    intents, actions = quiet_rules()
    if slots.get("handoff_active") or slots.get("share_scope") or slots.get("handoff_id"):
        return False
    for event in events:
        kind = event.get("event")
        if kind == "user" and ((event.get("parse_data") or {}).get("intent") or {}).get("name") in intents:
            return False
        if kind == "action" and event.get("name") in actions:
            return False
        if kind == "active_loop" and event.get("name") in actions:
            return False
    return True


def question_was_last(events: List[Dict[str, Any]]) -> bool:
    """True when the bot's last message before the citizen's latest one was the question."""
    seen_user = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return False
            seen_user = True
        elif kind == "bot" and seen_user:
            return (event.get("metadata") or {}).get("utter_action") == QUESTION
    return False


@lru_cache(maxsize=4)
def review_store(url: str) -> ReviewStore:
    """One review store (the handoff database's) per URL for this process, opened on first use."""
    return ReviewStore(url)


def revoke_review_items(sender_id: str) -> int:
    """Deletes her items from the review queue now; a failure is logged, the slot still says no."""
    try:
        return review_store(database_url()).revoke(conversation_hash(sender_id))
    except Exception as error:  # the next `make review-collect` deletes them too (no agreement, no queue)
        logger.error("Could not remove review items after a withdrawal: %s", type(error).__name__)
        return 0


class ActionOfferImproveConsent(Action):
    """At goodbye: asks once, in a calm conversation, whether her messages may help improve the assistant."""

    def name(self) -> str:
        return "action_offer_improve_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if tracker.get_slot(ASKED_SLOT) or tracker.get_slot(CONSENT_SLOT) is not None:
            return []
        if not is_calm(tracker.events, tracker.slots):
            return []
        dispatcher.utter_message(response=QUESTION)
        return [SlotSet(ASKED_SLOT, True)]


class ActionImproveConsent(Action):
    """Records her answer, or her own words: agree (after seeing the question) or withdraw."""

    def name(self) -> str:
        return "action_improve_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        tapped = (message.get("text") or "").startswith("/")
        answering = question_was_last(tracker.events)
        if intent == OPT_OUT or (intent == "deny" and answering):
            withdrawn = tracker.get_slot(CONSENT_SLOT) is True
            removed = revoke_review_items(tracker.sender_id)
            logger.info(
                "Agreement to help improve the assistant %s", "withdrawn" if withdrawn else "declined"
            )
            dispatcher.utter_message(
                response="utter_improve_consent_revoked"
                if withdrawn or removed
                else "utter_improve_consent_declined"
            )
            return [SlotSet(CONSENT_SLOT, False), SlotSet(ASKED_SLOT, True)]
        if (intent == OPT_IN and tapped and answering) or (intent == "affirm" and answering):
            dispatcher.utter_message(response="utter_improve_consent_given")
            return [SlotSet(CONSENT_SLOT, True), SlotSet(ASKED_SLOT, True)]
        if intent == OPT_IN:  # typed, or a stale button: show what she would agree to first
            dispatcher.utter_message(response=QUESTION)
            return [SlotSet(ASKED_SLOT, True)]
        dispatcher.utter_message(response="utter_how_can_help")  # a yes/no after a goodbye that asked nothing
        return []
