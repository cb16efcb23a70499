"""Replies for a citizen whose message hit a technical failure, in the conversation's language.

They are rendered in the Rasa process itself (not through domain responses or the action server),
because they must work precisely when the action server or the database is unavailable. Texts are
in the ``ops`` catalogue domain (``locales/*/LC_MESSAGES/ops.po``), their keys declared in
``locales/keys.yml``.
"""

from __future__ import annotations

from typing import Any, Mapping

from bot.i18n.reply_locale import reply_locale
from bot.nlg import localize_response

TEMPORARY_PROBLEM = "utter_ops_temporary_problem"
HANDOFF_OFFER = "utter_ops_handoff_offer"
RETRY_LATER = "utter_ops_retry_later"
#: The existing "talk to a person" button (messages catalogue) starts the usual handoff flow.
HANDOFF_BUTTON = {"title": "btn_talk_human", "payload": "/talk_to_human"}


def _slots_with_detected_language(slots: Mapping[str, Any], parse_data: Mapping[str, Any] | None) -> dict:
    """Slots, completed by the language NLU detected in the latest message when no slot says it yet."""
    values = dict(slots)
    if not values.get("language") and parse_data:
        for entity in parse_data.get("entities") or []:
            if entity.get("entity") == "detected_language":
                values["language"] = entity.get("value")
    return values


def action_failure_messages(
    slots: Mapping[str, Any], parse_data: Mapping[str, Any] | None = None
) -> list[dict]:
    """The "temporary problem" reply and the offer of a person (with its button)."""
    values = _slots_with_detected_language(slots, parse_data)
    locale = reply_locale(values)
    return [
        {**localize_response({"text": TEMPORARY_PROBLEM}, locale, values), "utter_action": TEMPORARY_PROBLEM},
        {
            **localize_response({"text": HANDOFF_OFFER, "buttons": [HANDOFF_BUTTON]}, locale, values),
            "utter_action": HANDOFF_OFFER,
        },
    ]


def retry_later_message(slots: Mapping[str, Any] | None = None) -> dict:
    """ "Send it again in a few minutes" for a message that could not be processed at all."""
    values = dict(slots or {})
    locale = reply_locale(values)
    return {**localize_response({"text": RETRY_LATER}, locale, values), "utter_action": RETRY_LATER}
