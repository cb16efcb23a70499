"""Questions the forms ask, sent by key with their buttons (the NLG renders them).

Rasa's data validator reports form questions defined as domain responses as "not used in any
story or rule"; asking through ``action_ask_<slot>`` actions keeps validation warning-free and
the texts in the catalogues.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.geo.directory import CENTER_TYPES
from bot.i18n import parts

SHARE_BUTTONS = (
    ("btn_share_summary", '/inform{"share_scope": "summary"}'),
    ("btn_share_full", '/inform{"share_scope": "full"}'),
    ("btn_cancel", "/deny"),
)


class _Ask(Action, ABC):
    """Sends one catalogue text with its buttons (abstract: not registered)."""

    key = ""
    buttons: tuple[tuple[str, str], ...] = ()
    #: Instructions for the messaging channels (``custom`` payload), e.g. a location request.
    channel_hints: tuple[tuple[str, Any], ...] = ()

    @abstractmethod
    def name(self) -> str:
        """The ``action_ask_<slot>`` name."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(
            response=self.key,
            choices=[parts.choice(title, payload) for title, payload in self.buttons],
            json_message=dict(self.channel_hints) or None,
        )
        return []


class ActionAskShareScope(_Ask):
    """Consent before a handoff: a short summary or the whole conversation."""

    key = "utter_ask_share_scope"
    buttons = SHARE_BUTTONS

    def name(self) -> str:
        return "action_ask_share_scope"


class ActionAskCenterType(_Ask):
    """Which kind of centre."""

    key = "utter_ask_center_type"
    buttons = tuple((f"center_type_{t}", f'/inform{{"center_type": "{t}"}}') for t in CENTER_TYPES)

    def name(self) -> str:
        return "action_ask_center_type"


class ActionAskCity(_Ask):
    """Which city (or share a location)."""

    key = "utter_ask_city"
    #: Telegram shows a "share my location" button, WhatsApp a location request.
    channel_hints = (("request_location", True),)

    def name(self) -> str:
        return "action_ask_city"
