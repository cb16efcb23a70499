"""Which citizen messages of one conversation are worth a content editor's review, and why.

Pure functions over the stored events of a conversation (the dicts Rasa writes to the tracker
store), so the rules are tested without a database. A message is collected when:

- ``fallback``: the NLU gave ``nlu_fallback`` (the FallbackClassifier of config.yml);
- ``low_confidence``: otherwise, its best intent's confidence is below
  ``low_confidence_threshold`` (data/review/settings.yml);
- ``denied``: the bot answered it, and the citizen's very next message was understood as ``deny``
  although the bot's last message before that "no" was not a yes/no question. A bot message is a
  yes/no question when its response is listed in ``yes_no_questions``, is a form question
  (``utter_ask_*``), or carries an ``/affirm`` or ``/deny`` button. The message collected is the
  one that got the wrong answer, not the "no";
- ``handoff``: the conversation was handed to a person (``talk_to_human`` or ``action_handoff``):
  up to ``handoff_context_messages`` citizen messages before the first request, leaving out
  ``handoff_skip_intents`` (greetings, yes/no, the request itself).

Never collected: button payloads (``/intent``), empty texts, and messages written while a
caseworker held the conversation (slot ``handoff_active`` true): a person read those already.
Whether a conversation may give anything at all is decided by :func:`may_collect`: only when its
citizen agreed to help improve the assistant (slot ``improve_consent``, asked separately from what
she shares with a caseworker, see actions/improve_consent.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from bot.review.settings import ReviewSettings

FALLBACK_INTENT = "nlu_fallback"
HANDOFF_INTENT = "talk_to_human"
HANDOFF_ACTION = "action_handoff"
DENY_INTENT = "deny"


@dataclass
class Candidate:
    """A message to collect: its tracker row id, text, reasons and what the NLU detected."""

    event_id: int
    text: str
    timestamp: float
    intent: str | None
    confidence: float | None
    ranking: list[list[Any]]
    language: str | None
    script: str | None
    reasons: list[str] = field(default_factory=list)


def _entity_value(parse_data: dict, name: str) -> str | None:
    for entity in parse_data.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == name:
            return str(entity.get("value"))
    return None


def understood_as(parse_data: dict) -> tuple[str | None, float | None, list[list[Any]]]:
    """Best real intent (``nlu_fallback`` left out), its confidence and the top-5 ranking."""
    ranking = [
        [r.get("name"), float(r.get("confidence") or 0.0)]
        for r in parse_data.get("intent_ranking") or []
        if isinstance(r, dict) and r.get("name") and r.get("name") != FALLBACK_INTENT
    ][:5]
    intent = parse_data.get("intent") or {}
    if ranking:
        return ranking[0][0], ranking[0][1], ranking
    name = intent.get("name")
    if name and name != FALLBACK_INTENT:
        confidence = float(intent.get("confidence") or 0.0)
        return name, confidence, [[name, confidence]]
    return None, None, []


def is_yes_no_question(bot_event: dict, settings: ReviewSettings) -> bool:
    """True when a bot message asks a yes/no (or form) question, so "no" is an answer to it."""
    response = (bot_event.get("metadata") or {}).get("utter_action") or ""
    if response in settings.yes_no_questions or response.startswith("utter_ask_"):
        return True
    buttons = (bot_event.get("data") or {}).get("buttons") or []
    payloads = {str(b.get("payload", "")).split("{", 1)[0] for b in buttons if isinstance(b, dict)}
    return bool(payloads & {"/affirm", "/deny"})


def _user_intent(event: dict) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


IMPROVE_CONSENT_SLOT = "improve_consent"


def improve_consent(events: Iterable[dict]) -> bool:
    """The citizen's latest answer to "may your messages help improve the assistant?" is yes.

    This is the only consent the review queue uses. What she chose to share with a caseworker
    (``share_scope``) is consent for another purpose and never counts here; a later "stop using
    my messages" (the slot set to false) withdraws it.
    """
    agreed = False
    for event in events:
        if event.get("event") == "slot" and event.get("name") == IMPROVE_CONSENT_SLOT:
            agreed = event.get("value") is True
    return agreed


def may_collect(events: list[dict]) -> bool:
    """One rule for every conversation, sensitive or not: no agreement, no queue."""
    return improve_consent(events)


def candidates(events: list[dict], settings: ReviewSettings) -> list[Candidate]:
    """The messages of one conversation to collect (``events`` in order, each with an ``id``)."""
    found: dict[int, Candidate] = {}
    in_handoff = False
    handoff_seen = False
    before_handoff: list[tuple[dict, str | None]] = []
    last_user: dict | None = None  # the citizen's latest collectable message
    last_bot: dict | None = None  # the bot's latest message after it
    answered = False

    def add(event: dict, reason: str) -> None:
        parse_data = event.get("parse_data") or {}
        item = found.get(event["id"])
        if item is None:
            intent, confidence, ranking = understood_as(parse_data)
            item = Candidate(event_id=event["id"], text=event.get("text") or "", timestamp=float(event.get("timestamp") or 0),
                             intent=intent, confidence=confidence, ranking=ranking,
                             language=_entity_value(parse_data, "detected_language"),
                             script=_entity_value(parse_data, "detected_script"))  # fmt: skip
            found[event["id"]] = item
        if reason not in item.reasons:
            item.reasons.append(reason)

    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "handoff_active":
            in_handoff = bool(event.get("value"))
        elif kind == "action" and event.get("name") == HANDOFF_ACTION:
            handoff_seen = True
        elif kind == "bot":
            if last_user is not None:
                answered, last_bot = True, event
        elif kind == "user":
            intent = _user_intent(event)
            text = (event.get("text") or "").strip()
            # a "no" right after an answer (not after a yes/no question): the previous message was misunderstood
            corrected = intent == DENY_INTENT and last_user is not None and answered and last_bot is not None
            if corrected and not is_yes_no_question(last_bot, settings):
                add(last_user, "denied")
            if intent == HANDOFF_INTENT:
                handoff_seen = True
            last_user, last_bot, answered = None, None, False
            if in_handoff or not text or text.startswith("/"):
                continue
            last_user = event
            parse_data = event.get("parse_data") or {}
            if intent == FALLBACK_INTENT:
                add(event, "fallback")
            else:
                _, confidence, _ = understood_as(parse_data)
                if confidence is not None and confidence < settings.low_confidence_threshold:
                    add(event, "low_confidence")
            if not handoff_seen and intent not in settings.handoff_skip_intents:
                before_handoff.append((event, intent))
        if handoff_seen and before_handoff is not None:
            keep = settings.handoff_context_messages
            for message, _intent in before_handoff[-keep:] if keep else []:
                add(message, "handoff")
            before_handoff = None  # only the first handoff request counts
    return sorted(found.values(), key=lambda c: c.event_id)
