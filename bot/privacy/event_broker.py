"""The event broker of the production profile: tracker events without the citizen's words.

Rasa publishes every tracker event to RabbitMQ for analytics and audit consumers. Those copies
live outside the tracker store, so an erase there cannot reach them. Two rules keep the broker
from holding what an erase must remove:

- nothing the citizen typed leaves the process. Each event is rebuilt from an allowlist of
  fields per event type (intents, entity *types*, action names, the response name of a bot
  utterance, timestamps); texts, entity values, message ids (a WhatsApp id embeds the phone
  number), metadata and the values of free-text slots are left out. A slot value is published
  only for slots listed in ``data/privacy/broker.yml`` and only when it is one of the slot's
  declared values (or a boolean for a bool slot);
- the conversation id (a Telegram chat id, ``wa-`` plus a phone number) is replaced by its salted
  hash (:func:`bot.privacy.conversation_hash.conversation_hash`): consumers can group a conversation's
  events without learning who wrote;
- when a conversation is erased (on request, or by retention) a ``conversation_erased`` event
  with the same hashed id is published; a consumer deletes everything it holds under that id.

The contract for consumers is in docs/deploy.md ("Event broker contract").
"""

from __future__ import annotations

import asyncio
import time
from functools import lru_cache
from typing import Any, Iterable

import rasa.shared.core.events  # noqa: F401  PikaEventBroker._publish reads it without importing it
import yaml
from rasa.core.brokers.pika import PikaEventBroker

from bot.privacy.conversation_hash import conversation_hash
from bot.settings import ROOT

BROKER_POLICY = ROOT / "data" / "privacy" / "broker.yml"
DOMAIN_FILE = ROOT / "domain.yml"
ERASE_EVENT = "conversation_erased"
#: Why a conversation was erased, as published in ``reason``.
ERASE_REASONS = ("citizen_request", "retention")

#: Fields published per event type, besides ``event``, ``timestamp`` and the hashed ``sender_id``.
_FIELDS: dict[str, tuple[str, ...]] = {
    "action": ("name", "policy", "confidence", "hide_rule_turn"),
    "active_loop": ("name",),
    "followup": ("name",),
    "action_execution_rejected": ("name", "policy", "confidence"),
    "reminder": ("name", "intent", "kill_on_user_msg"),
    "cancel_reminder": ("name", "intent"),
    "user_featurization": ("use_text_for_featurization",),
    ERASE_EVENT: ("reason",),
}


@lru_cache(maxsize=1)
def publishable_slot_values() -> dict[str, frozenset | None]:
    """Slot name → its declared values (``None`` for a bool slot) for the slots the policy lists."""
    listed = (yaml.safe_load(BROKER_POLICY.read_text(encoding="utf-8")) or {}).get("published_slots") or []
    slots = (yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}).get("slots") or {}
    allowed: dict[str, frozenset | None] = {}
    for name in listed:
        slot = slots.get(name)
        if slot is None:
            raise ValueError(f"{BROKER_POLICY}: slot {name!r} is not in the domain")
        if slot.get("type") == "bool":
            allowed[name] = None
        elif slot.get("type") == "categorical":
            allowed[name] = frozenset(str(value) for value in slot.get("values") or ())
        else:
            raise ValueError(
                f"{BROKER_POLICY}: slot {name!r} is {slot.get('type')}, only closed types may be published"
            )
    return allowed


def _slot_value(name: Any, value: Any) -> Any:
    allowed = publishable_slot_values()
    if name not in allowed or value is None:
        return None
    values = allowed[name]
    if values is None:
        return value if isinstance(value, bool) else None
    return value if isinstance(value, str) and value in values else None


def _intent(intent: Any) -> dict[str, Any] | None:
    if not isinstance(intent, dict):
        return None
    return {"name": intent.get("name"), "confidence": intent.get("confidence")}


def _entities(entities: Any) -> list[dict[str, Any]]:
    if not isinstance(entities, list):
        return []
    return [
        {"entity": e.get("entity"), "extractor": e.get("extractor")} for e in entities if isinstance(e, dict)
    ]


def published_form(event: dict[str, Any]) -> dict[str, Any]:
    """What a consumer may see of ``event`` (a serialised Rasa event with ``sender_id``)."""
    kind = event.get("event")
    published: dict[str, Any] = {"event": kind, "timestamp": event.get("timestamp")}
    sender = event.get("sender_id")
    published["sender_id"] = conversation_hash(str(sender)) if sender is not None else None
    if kind == "user":
        parse_data = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
        ranking = parse_data.get("intent_ranking")
        published.update(
            text=None,
            input_channel=event.get("input_channel"),
            parse_data={
                "intent": _intent(parse_data.get("intent")),
                "entities": _entities(parse_data.get("entities")),
                "intent_ranking": [_intent(i) for i in ranking] if isinstance(ranking, list) else [],
            },
        )
    elif kind == "bot":
        metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
        published.update(text=None, metadata={"utter_action": metadata.get("utter_action")})
    elif kind == "slot":
        published.update(name=event.get("name"), value=_slot_value(event.get("name"), event.get("value")))
    elif kind == "entities":
        published["entities"] = _entities(event.get("entities"))
    else:
        published.update({key: event[key] for key in _FIELDS.get(str(kind), ()) if key in event})
    return published


def erase_event(sender_id: str, reason: str, now: float | None = None) -> dict[str, Any]:
    """The event that tells consumers to forget a conversation (raw id; hashed when published)."""
    if reason not in ERASE_REASONS:
        raise ValueError(f"unknown erase reason {reason!r}")
    return {"event": ERASE_EVENT, "sender_id": sender_id, "reason": reason,
            "timestamp": time.time() if now is None else now}  # fmt: skip


class RedactingPikaEventBroker(PikaEventBroker):
    """Rasa's RabbitMQ broker publishing :func:`published_form` of each event (endpoints.prod.yml)."""

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().publish(published_form(event), headers)

    def _publish_unpublished_messages(self, *_: Any, **__: Any) -> None:
        """Re-publishes events buffered while RabbitMQ was away (already in published form)."""
        while self._unpublished_events:
            PikaEventBroker.publish(self, self._unpublished_events.popleft())

    async def flush(self, timeout: float = 30.0) -> bool:
        """Waits for the publications in flight; True when none is left unpublished."""
        pending = list(self._background_tasks)
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        return not self._background_tasks and not self._unpublished_events


async def announce_erasures(broker: RedactingPikaEventBroker, sender_ids: Iterable[str], reason: str) -> None:
    """Publishes one erase event per conversation and waits until RabbitMQ confirmed them all."""
    for sender_id in sender_ids:
        broker.publish(erase_event(sender_id, reason))
    if not await broker.flush():
        raise ConnectionError("RabbitMQ did not confirm every erase event")
