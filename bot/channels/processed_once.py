"""Each Telegram update and WhatsApp message processed once, also when an instance dies mid-message.

Telegram and Meta deliver a webhook again until it is answered with a 2xx. An instance claims the
event in the channel store before processing it and records it done only when its turn is over
(stored in the tracker, replies sent), renewing the claim's lease while it works. So:

- a copy that arrives while a live instance works on the event is answered 503 (the platform
  delivers it again later, by which time it is done and acknowledged as a duplicate);
- when the instance dies mid-message, its lease runs out (``CHANNEL_EVENT_LEASE_SECONDS``, 30 s) and
  the platform's next delivery is processed, once. The Rasa tracker is checked first for the
  message's id, in case the dead instance stored the turn just before dying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, AsyncIterator

from sanic import response
from sanic.response import HTTPResponse

from bot.channels.store import ChannelStore, Claim
from bot.settings import get_settings

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10


def lease_seconds() -> float:
    """How long a claim lasts without renewal: how soon a dead instance's event is taken over."""
    return get_settings().channel_event_lease_seconds


def in_flight_elsewhere() -> HTTPResponse:
    """503: another instance is processing this event right now; the platform retries later."""
    return response.json(
        {"status": "in progress"}, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


async def _renew(store: ChannelStore, claim: Claim, lease: float) -> None:
    while True:
        await asyncio.sleep(lease / 3)
        try:
            if not await store.run(store.renew, claim, lease):
                logger.warning("A %s event's claim was taken over while it was processed", claim.channel)
                return
        except Exception as error:  # the database may be back at the next renewal
            logger.warning("Could not renew a %s event's claim: %s", claim.channel, type(error).__name__)


@contextlib.asynccontextmanager
async def processing(store: ChannelStore, claim: Claim) -> AsyncIterator[None]:
    """Holds ``claim`` (renewing its lease) while the body runs, then records the event done.

    An exception in the body still records it done (the failure is logged; a redelivery would fail
    the same way). A cancelled body (the request was abandoned) releases the claim instead, so the
    platform's next delivery takes the event over.
    """
    lease = lease_seconds()
    renewer = asyncio.get_running_loop().create_task(_renew(store, claim, lease))
    finished = False
    try:
        yield
        finished = True
    except Exception:
        finished = True
        raise
    finally:
        renewer.cancel()
        await store.run(store.mark_done if finished else store.release, claim)


async def already_stored(app: Any, sender_id: str, message_id: str) -> bool:
    """Whether the conversation's tracker holds a user message with ``message_id`` already."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is None:
        return False
    try:
        tracker = await tracker_store.retrieve(sender_id)
    except Exception as error:  # processing again risks a duplicate; skipping would risk a loss
        logger.warning("Could not check the tracker for a taken-over event: %s", type(error).__name__)
        return False
    if tracker is None:
        return False
    return any(getattr(event, "message_id", None) == message_id for event in tracker.events)
