"""Delivers the outbox (caseworker replies, claimed/closed notices) to the citizen through Rasa.

Each outbox row becomes one ``trigger_intent`` call on Rasa's HTTP API; Rasa runs the bot's
action for that external intent and sends the result on the conversation's latest channel. A row
is marked delivered only when Rasa answered 2xx, so replies survive a Rasa or console restart:
the worker retries with backoff. Rows of one conversation go out in order; one conversation's
failure does not hold back the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from bot import rasa_api
from bot.handoff.models import Handoff, HandoffMessage
from bot.handoff.store import HandoffStore
from bot.settings import get_settings

logger = logging.getLogger(__name__)

DEFAULT_RASA_URL = "http://127.0.0.1:5005"
#: External intents the bot's actions react to (contract with actions/handoff.py).
INTENT_MESSAGE = "EXTERNAL_caseworker_message"
INTENT_CLAIMED = "EXTERNAL_handoff_claimed"
INTENT_CLOSED = "EXTERNAL_handoff_closed"
EVENT_INTENTS = {"handoff_claimed": INTENT_CLAIMED, "handoff_closed": INTENT_CLOSED}
#: How long a worker holds a row while sending it (another worker takes it over afterwards).
LEASE_SECONDS = 30.0
#: Backoff after failed attempts: 1, 2, 4 … seconds, at most this.
MAX_BACKOFF_SECONDS = 60.0


@dataclass(frozen=True)
class Trigger:
    """One ``trigger_intent`` call: which conversation, which intent, which entities."""

    conversation_id: str
    intent: str
    entities: dict[str, str]


def trigger_for(message: HandoffMessage, handoff: Handoff) -> Trigger:
    """The Rasa call that delivers one outbox row."""
    if message.event:
        intent = EVENT_INTENTS.get(message.event)
        if intent is None:
            raise ValueError(f"unknown outbox event {message.event!r}")
        entities = {"caseworker_name": message.text} if message.event == "handoff_claimed" else {}
        return Trigger(handoff.conversation_id, intent, entities)
    return Trigger(handoff.conversation_id, INTENT_MESSAGE, {"caseworker_text": message.text})


class RasaClient:
    """Rasa's HTTP API, as far as handoffs need it (``--enable-api`` must be on).

    Each call carries a token valid for its conversation only (:mod:`bot.rasa_api`). Without a
    configured secret no call is made: the row stays in the outbox and the reason is logged.
    """

    def __init__(self, url: str | None = None, secret: str | None = None, timeout: float = 10.0) -> None:
        self.url = (url or get_settings().rasa_url or DEFAULT_RASA_URL).rstrip("/")
        self._secret = secret
        self._client = httpx.AsyncClient(timeout=timeout)

    def _auth(self, conversation_path: str) -> rasa_api.BearerAuth | None:
        try:
            secret = self._secret or rasa_api.api_secret()
        except rasa_api.MissingSecret as error:
            logger.error("Caseworker replies wait in the outbox: %s", error)
            return None
        return rasa_api.BearerAuth(secret, conversation_path)

    async def trigger_intent(self, trigger: Trigger) -> bool:
        """True when Rasa accepted the intent (2xx); network errors count as a failure."""
        conversation_path = quote(trigger.conversation_id, safe="")
        url = f"{self.url}/conversations/{conversation_path}/trigger_intent"
        auth = self._auth(conversation_path)
        if auth is None:
            return False
        try:
            response = await self._client.post(
                url,
                params={"output_channel": "latest"},
                json={"name": trigger.intent, "entities": trigger.entities},
                auth=auth,
            )
        except httpx.HTTPError as error:
            logger.warning("Rasa unreachable for %s: %s", trigger.intent, type(error).__name__)
            return False
        if 200 <= response.status_code < 300:
            return True
        logger.warning("Rasa refused %s: HTTP %s", trigger.intent, response.status_code)
        return False

    async def aclose(self) -> None:
        await self._client.aclose()


def backoff_seconds(attempts: int) -> float:
    """Delay before the next attempt after ``attempts`` failures."""
    return min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, attempts - 1))


class DeliveryWorker:
    """Sends the outbox to Rasa: woken at once by a new reply, and polling for the rest.

    Polling picks up rows written by other processes and retries whose backoff has passed.
    """

    def __init__(self, store: HandoffStore, client: RasaClient, poll_seconds: float = 1.0) -> None:
        self.store = store
        self.client = client
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def wake(self) -> None:
        """Deliver now (called right after a reply or a claim was stored)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        """True while the delivery loop runs (the console's ``/health`` reports it)."""
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="handoff-delivery")
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.aclose()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.deliver_pending()
            except asyncio.CancelledError:
                raise
            except Exception:  # the worker must outlive a database hiccup; the next pass retries
                logger.exception("Outbox delivery pass failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    async def deliver_pending(self) -> int:
        """One pass over the outbox; returns how many rows Rasa accepted."""
        rows = await asyncio.to_thread(self.store.undelivered, 500)
        by_conversation: dict[str, list[tuple[HandoffMessage, Handoff]]] = {}
        for message, handoff in rows:
            by_conversation.setdefault(handoff.conversation_id, []).append((message, handoff))
        results = await asyncio.gather(*(self._deliver_in_order(items) for items in by_conversation.values()))
        return sum(results)

    async def _deliver_in_order(self, items: list[tuple[HandoffMessage, Handoff]]) -> int:
        """Sends one conversation's rows in order, stopping at the first that cannot go now."""
        delivered = 0
        for message, handoff in items:
            if not await asyncio.to_thread(self.store.lease, message.id, LEASE_SECONDS):
                return delivered  # another worker has it, or it is backing off: keep the order
            try:
                trigger = trigger_for(message, handoff)
            except ValueError:
                logger.error("Outbox row %s has an unknown event; left undelivered", message.id)
                await asyncio.to_thread(self.store.mark_delivered, message.id, False, time.time() + 3600)
                return delivered
            ok = await self.client.trigger_intent(trigger)
            retry_at = None if ok else time.time() + backoff_seconds(message.delivery_attempts + 1)
            await asyncio.to_thread(self.store.mark_delivered, message.id, ok, retry_at)
            if not ok:
                return delivered
            delivered += 1
        return delivered
