"""Failure handling and measurements around three Rasa calls, and no silent tracker-store fallback.

Rasa 3.6 offers no hook for these, so :func:`install` wraps them (idempotently, keeping the
original behaviour on success):

- ``RemoteAction.run``: when the action server is unreachable or answers an error, Rasa would log
  the exception and leave the citizen without a reply. Instead the citizen gets the "temporary
  problem" reply and the offer of a person in their language, the turn ends (``action_listen``),
  and the conversation simply continues when the action server is back.
- ``Agent.handle_message``: counts and times every message; when it cannot be processed at all
  (tracker database or lock store down), the citizen gets "send it again in a few minutes" and the
  request is marked failed so that the REST channel answers 503 instead of an empty 200.
  Nothing of the turn is stored then: the tracker store saves a turn in one transaction at its end.
- ``MessageProcessor.log_message``: counts intents and NLU fallbacks.

:func:`fail_instead_of_forgetting` then adjusts the loaded agent: Rasa wraps every tracker store in a
``FailSafeTrackerStore`` that, when the database fails, silently continues with an empty in-memory
tracker: the citizen gets a 200 answer, the message is lost and the conversation restarts from zero.
Its error callback raises instead, so the message fails cleanly (503 + "send it again") and
nothing is half-written.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import BotUttered, FollowupAction, UserUttered
from rasa.shared.exceptions import RasaException

from bot.rasa_extensions import metrics
from bot.rasa_extensions.failures import failure_reason
from bot.rasa_extensions.replies import TEMPORARY_PROBLEM, action_failure_messages, retry_later_message

logger = logging.getLogger(__name__)

#: Set while handling a request whose message failed: the retry-later reply the channel should send.
FAILED_MESSAGE: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "jisr_failed_message", default=None
)
_INSTALLED = "_jisr_ops_installed"


def _apologised_this_turn(tracker: Any) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == TEMPORARY_PROBLEM:
            return True
    return False


def _wrap_remote_action() -> None:
    original = RemoteAction.run

    @functools.wraps(original)
    async def run(self: RemoteAction, output_channel, nlg, tracker, domain):
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise  # a form rejecting a value is normal dialogue, not a failure
        except RasaException as error:
            metrics.ACTION_FAILURES.labels(self.name()).inc()
            logger.error(
                "Action %s failed (%s); the citizen gets the temporary-problem reply", self.name(), error
            )
            if _apologised_this_turn(tracker):
                return [FollowupAction(ACTION_LISTEN_NAME)]
            messages = action_failure_messages(
                tracker.current_slot_values(), tracker.latest_message.parse_data
            )
            return [create_bot_utterance(m) for m in messages] + [FollowupAction(ACTION_LISTEN_NAME)]

    setattr(run, _INSTALLED, True)
    RemoteAction.run = run


def _wrap_handle_message() -> None:
    original = Agent.handle_message

    @functools.wraps(original)
    async def handle_message(self: Agent, message):
        channel = metrics.channel_label(message.input_channel or message.output_channel.name())
        started = time.perf_counter()
        try:
            return await original(self, message)
        except Exception as error:
            reason = failure_reason(error)
            metrics.MESSAGE_FAILURES.labels(reason).inc()
            logger.error("A message could not be processed (%s: %s)", reason, type(error).__name__)
            reply = retry_later_message(await _detected_language(self, message))
            FAILED_MESSAGE.set(reply)
            try:
                await message.output_channel.send_response(message.sender_id, dict(reply))
            except Exception as send_error:  # the channel itself may be what failed
                logger.warning("Could not send the retry-later reply on %s: %r", channel, send_error)
            raise
        finally:
            metrics.MESSAGES.labels(channel).inc()
            metrics.MESSAGE_SECONDS.labels(channel).observe(time.perf_counter() - started)

    setattr(handle_message, _INSTALLED, True)
    Agent.handle_message = handle_message


async def _detected_language(agent: Agent, message) -> dict:
    """The ``language`` the NLU detects in the message (no tracker is available when the store is down)."""
    try:
        parsed = await agent.processor.parse_message(message)
    except Exception:
        return {}
    for entity in parsed.get("entities") or []:
        if entity.get("entity") == "detected_language":
            return {"language": entity.get("value")}
    return {}


def _wrap_log_message() -> None:
    original = MessageProcessor.log_message

    @functools.wraps(original)
    async def log_message(self: MessageProcessor, message, should_save_tracker: bool = True):
        tracker = await original(self, message, should_save_tracker)
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        if intent:
            metrics.INTENTS.labels(intent[:64]).inc()
            if intent == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                metrics.NLU_FALLBACKS.inc()
        return tracker

    setattr(log_message, _INSTALLED, True)
    MessageProcessor.log_message = log_message


class TrackerStoreUnavailable(RasaException):
    """The tracker database failed: the message is not processed rather than processed without history."""


def _raise_unavailable(error: Exception) -> None:
    raise TrackerStoreUnavailable(f"tracker store unavailable: {type(error).__name__}") from error


def fail_instead_of_forgetting(agent: Agent) -> None:
    """The tracker store's failures fail the message instead of falling back to an empty tracker.

    ``FailSafeTrackerStore`` takes this callback as its ``on_tracker_store_error`` constructor argument,
    but ``Agent`` builds it without one and offers no way to pass it: the attribute is set afterwards.
    """
    store = agent.tracker_store
    if isinstance(store, FailSafeTrackerStore):
        store._on_tracker_store_error = _raise_unavailable


def install() -> None:
    """Installs the three wrappers once per process."""
    if not getattr(RemoteAction.run, _INSTALLED, False):
        _wrap_remote_action()
    if not getattr(Agent.handle_message, _INSTALLED, False):
        _wrap_handle_message()
    if not getattr(MessageProcessor.log_message, _INSTALLED, False):
        _wrap_log_message()
