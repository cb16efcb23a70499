"""Shared pieces of the erase and retention attack tests: a conversation spread over every store,
a search through every table of a database, and a private RabbitMQ queue to read the broker."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from contextlib import asynccontextmanager
from typing import AsyncIterator

import aio_pika
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.callback_crypto import encrypt_phone
from bot.handoff.store import HandoffStore
from bot.privacy.conversation_hash import conversation_hash
from bot.review.models import ReviewItem
from bot.settings import ROOT

DOMAIN = Domain.load(ROOT / "domain.yml")
RABBITMQ = dict(host="127.0.0.1", port=5672, username="guest", password="guest")
#: What the citizen typed: none of it may survive an erase or retention anywhere.
SECRET_TEXT = "راجلي كيضربني وساكن حدا الكوميسارية"
CITY = "Sidi Bennour"


def phone() -> str:
    """A fresh Moroccan mobile number in WhatsApp's form (no +)."""
    return f"2126{uuid.uuid4().int % 10**8:08d}"


def citizen_turn(tracker: DialogueStateTracker, at: float | None = None) -> None:
    """One turn with free text, an entity value, a free-text slot and a location."""
    stamp = time.time() if at is None else at
    tracker.update_with_events(
        [
            ActionExecuted("action_listen", timestamp=stamp),
            UserUttered(
                SECRET_TEXT,
                {
                    "name": "violence_support",
                    "confidence": 0.97,
                    "entities": [{"entity": "city", "value": CITY, "start": 0, "end": 5}],
                },
                entities=[{"entity": "city", "value": CITY, "start": 0, "end": 5}],
                input_channel="whatsapp",
                message_id=f"wamid.HBgM{tracker.sender_id.removeprefix('wa-')}FQIAEhgU{uuid.uuid4().hex[:8]}",
                metadata={"contact_name": "Fatima"},
                timestamp=stamp,
            ),
            SlotSet("city", CITY, timestamp=stamp),
            SlotSet("latitude", 32.6507, timestamp=stamp),
            SlotSet("language", "ary", timestamp=stamp),
            ActionExecuted("utter_violence_support", timestamp=stamp),
            BotUttered(f"{CITY}: 8350", metadata={"utter_action": "utter_violence_support"}, timestamp=stamp),
            ActionExecuted("action_listen", timestamp=stamp),
        ],
        DOMAIN,
        override_timestamp=False,
    )


def confirm_erase(tracker: DialogueStateTracker) -> None:
    tracker.update_with_events(
        [
            UserUttered("msa7", {"name": "delete_my_data", "confidence": 0.9}, input_channel="whatsapp"),
            ActionExecuted("utter_delete_confirm"),
            BotUttered("?", metadata={"utter_action": "utter_delete_confirm"}),
            ActionExecuted("action_listen"),
            UserUttered("/affirm", {"name": "affirm", "confidence": 1.0}, input_channel="whatsapp"),
            ActionExecuted("utter_delete_done"),
            BotUttered("ok", metadata={"utter_action": "utter_delete_done"}),
            ActionExecuted("action_listen"),
        ],
        DOMAIN,
    )


def seed_handoffs(url: str, sender: str, number: str, at: float) -> None:
    """A claimed live handoff with its transcript, and a queued callback request with the number."""
    store = HandoffStore(url)
    worker = store.add_staff(f"w-{uuid.uuid4().hex[:8]}", "W", "x", "caseworker")
    live = store.create(
        conversation_id=sender, channel="whatsapp", language="ary", topic="violence_support",
        priority="urgent", consent_scope="full", summary={"topic": "violence_support", "city": CITY},
        history=[("citizen", SECRET_TEXT, at)], now=at,
    )  # fmt: skip
    store.claim(live.id, worker.id, now=at)
    with store.sessions.begin() as session:  # a line written during the handoff, at its time
        from bot.handoff.models import HandoffMessage

        session.add(HandoffMessage(handoff_id=live.id, author="citizen", text=SECRET_TEXT, history=False,
                                   alert=False, created_at=at, delivered_at=at, delivery_attempts=0))  # fmt: skip
    store.create(
        conversation_id=sender, channel="whatsapp", language="ary", topic="violence_support",
        priority="urgent", consent_scope="summary", summary={"topic": "violence_support"}, kind="callback",
        callback_phone=encrypt_phone(f"+{number}"), now=at,
    )  # fmt: skip


def seed_review_item(url: str, sender: str, at: float) -> None:
    """A pending review item of the conversation, as the collection job stores it."""
    store = HandoffStore(url)
    with store.sessions.begin() as session:
        session.add(
            ReviewItem(conversation_hash=conversation_hash(sender), event_id=1, text=SECRET_TEXT,
                       reasons="low_confidence", intent="violence_support", confidence=0.4, ranking=[],
                       language="ary", script="Arab", said_at=at, collected_at=at,
                       expires_at=at + 10**9, status="pending")
        )  # fmt: skip


def _readable(value: object) -> str:
    """A column value as text, JSON documents decoded (Rasa stores Arabic as \\u escapes)."""
    text = str(value)
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def database_dump(url: str) -> str:
    """Every row of every table of a database, as text (what an attacker with a backup reads)."""
    engine = sa.create_engine(url)
    try:
        parts = []
        with engine.connect() as connection:
            for table in sa.inspect(engine).get_table_names():
                rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).all()
                parts.append(f"{table}: " + " | ".join(" ; ".join(_readable(v) for v in row) for row in rows))
        return "\n".join(parts)
    finally:
        engine.dispose()


def count_rows(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()
    finally:
        engine.dispose()


@asynccontextmanager
async def private_queue() -> AsyncIterator[tuple[str, aio_pika.abc.AbstractQueue]]:
    """A fresh durable queue for the broker to bind to (deleted afterwards)."""
    name = f"jisr_test_{uuid.uuid4().hex[:12]}"
    connection = await aio_pika.connect_robust(
        host=RABBITMQ["host"],
        port=RABBITMQ["port"],
        login=RABBITMQ["username"],
        password=RABBITMQ["password"],
    )
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, durable=True)
        yield name, queue
        await queue.delete(if_unused=False, if_empty=False)
    finally:
        await connection.close()


async def drain(queue: aio_pika.abc.AbstractQueue, settle: float = 1.0) -> list[dict]:
    """Every message in ``queue`` (waits ``settle`` seconds of silence)."""
    messages: list[dict] = []
    deadline = time.monotonic() + 20
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        message = await queue.get(no_ack=True, fail=False)
        if message is None:
            if time.monotonic() - quiet_since > settle:
                break
            await asyncio.sleep(0.05)
            continue
        quiet_since = time.monotonic()
        messages.append(json.loads(message.body))
    return messages


def production_broker_env(queue: str) -> dict[str, str]:
    """The variables endpoints.prod.yml reads, pointing at the machine's services and ``queue``."""
    return {
        "ACTION_SERVER_URL": "http://127.0.0.1:9/webhook",
        "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432", "TRACKER_DB_NAME": "test",
        "TRACKER_DB_USER": os.environ.get("PGUSER", "postgres"), "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "0", "REDIS_PASSWORD": "",
        "REDIS_KEY_PREFIX": "jisrtest",
        "RABBITMQ_HOST": RABBITMQ["host"], "RABBITMQ_PORT": str(RABBITMQ["port"]),
        "RABBITMQ_USER": RABBITMQ["username"], "RABBITMQ_PASSWORD": RABBITMQ["password"],
        "RABBITMQ_QUEUE": queue,
    }  # fmt: skip
