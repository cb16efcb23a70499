"""An erase, and retention, remove every copy of a conversation: tracker, broker, handoffs with
their transcripts and callback numbers, review queue, channel bookkeeping.

Real SQLite and PostgreSQL (127.0.0.1:5432), the real RabbitMQ (127.0.0.1:5672) through the broker
class endpoints.prod.yml configures, and ``python -m bot.ops.purge`` as the cron job runs it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot import rasa_api
from bot.privacy.conversation_hash import conversation_hash
from bot.rasa_extensions.erasing_tracker_store import ErasingSQLTrackerStore
from bot.settings import ROOT
from tests.handoff_db import postgres_database
from tests.security.erase_support import (
    CITY,
    DOMAIN,
    SECRET_TEXT,
    citizen_turn,
    confirm_erase,
    count_rows,
    database_dump,
    drain,
    phone,
    private_queue,
    production_broker_env,
    seed_handoffs,
    seed_review_item,
)

SALT = "salt-of-the-erase-tests"
DAY = 86400.0


def _needles(number: str) -> list[str]:
    return [SECRET_TEXT, CITY, number, "Fatima", "wamid"]


def _assert_absent(dump: str, number: str, where: str) -> None:
    for needle in _needles(number):
        assert needle not in dump, f"{needle!r} survives in {where}"


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path, monkeypatch):
    """Tracker, handoff and channel database URLs of one kind, set as the production profile sets them."""
    monkeypatch.setenv("REVIEW_SALT", SALT)
    if request.param == "sqlite":
        urls = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in ("tracker", "handoff", "channels")}
        monkeypatch.setenv("HANDOFF_DB_URL", urls["handoff"])
        monkeypatch.setenv("CHANNELS_DB_URL", urls["channels"])
        yield urls
        return
    with postgres_database() as url:  # one database for the three, as make run-prod does
        monkeypatch.setenv("HANDOFF_DB_URL", url)
        monkeypatch.setenv("CHANNELS_DB_URL", url)
        yield {"tracker": url, "handoff": url, "channels": url}


def _tracker_store(url: str, event_broker=None) -> ErasingSQLTrackerStore:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return ErasingSQLTrackerStore(
            domain=DOMAIN, dialect="sqlite", db=parsed.database, event_broker=event_broker
        )
    return ErasingSQLTrackerStore(
        domain=DOMAIN, dialect="postgresql", host=parsed.host, port=parsed.port, db=parsed.database,
        username=parsed.username, event_broker=event_broker,
    )  # fmt: skip


def _whatsapp_bookkeeping(channels_url: str, number: str, message_id: str, at: float) -> None:
    """What the WhatsApp webhook records for one inbound message (bot/channels/whatsapp.py)."""
    from bot.channels import whatsapp
    from bot.channels.store import ChannelStore

    store = ChannelStore(channels_url)
    key = whatsapp.contact_event_id(number, message_id)
    store.first_time("whatsapp", key, now=at)
    store.touch_contact(number, at)
    store.engine.dispose()


async def _production_broker(monkeypatch, queue: str) -> EventBroker:
    """The event broker exactly as Rasa builds it from endpoints.prod.yml."""
    for name, value in production_broker_env(queue).items():
        monkeypatch.setenv(name, value)
    broker = await EventBroker.create(read_endpoint_config(str(ROOT / "endpoints.prod.yml"), "event_broker"))
    assert broker is not None
    return broker


async def _settle(broker: EventBroker) -> None:
    pending = list(getattr(broker, "_background_tasks", ()))
    if pending:
        await asyncio.wait(pending, timeout=20)


# -- broker -------------------------------------------------------------------------------------------
def test_broker_events_carry_no_citizen_text_nor_phone_number(tmp_path, monkeypatch):
    """Attack: whoever reads the RabbitMQ queue (an analytics consumer, a leaked broker password)
    recovers what a citizen wrote, the town she named, her location and her WhatsApp number."""
    monkeypatch.setenv("REVIEW_SALT", SALT)
    number = phone()
    sender = f"wa-{number}"

    async def scenario() -> list[dict]:
        async with private_queue() as (name, queue):
            broker = await _production_broker(monkeypatch, name)
            store = _tracker_store(f"sqlite:///{tmp_path / 't.db'}", broker)
            tracker = DialogueStateTracker(sender, DOMAIN.slots)

            citizen_turn(tracker)
            await store.save(tracker)
            await _settle(broker)
            messages = await drain(queue)
            await broker.close()
            return messages

    everything = asyncio.run(scenario())
    published = json.dumps(everything, ensure_ascii=False)
    _assert_absent(published, number, "the broker queue")
    messages = [m for m in everything if m.get("sender_id") == conversation_hash(sender)]
    assert any(m.get("event") == "user" for m in messages), "the broker published nothing of the conversation"
    _assert_absent(published, number, "the broker queue")
    assert "32.65" not in published, "the location survives in the broker queue"
    user = next(m for m in messages if m.get("event") == "user")
    assert user["parse_data"]["intent"]["name"] == "violence_support"  # what analytics needs stays
    assert user["parse_data"]["entities"] == [{"entity": "city", "extractor": None}]
    language = next(m for m in messages if m.get("event") == "slot" and m.get("name") == "language")
    assert language["value"] == "ary"
    assert sender not in published


def test_erase_publishes_conversation_erased_to_the_broker(tmp_path, monkeypatch):
    """Attack: the citizen erases her conversation, but the broker's consumers keep every event of
    it because nothing tells them to forget."""
    monkeypatch.setenv("REVIEW_SALT", SALT)
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'h.db'}")
    monkeypatch.setenv("CHANNELS_DB_URL", f"sqlite:///{tmp_path / 'c.db'}")
    sender = f"wa-{phone()}"

    async def scenario() -> list[dict]:
        async with private_queue() as (name, queue):
            broker = await _production_broker(monkeypatch, name)
            store = _tracker_store(f"sqlite:///{tmp_path / 't.db'}", broker)
            tracker = DialogueStateTracker(sender, DOMAIN.slots)

            citizen_turn(tracker)
            await store.save(tracker)
            confirm_erase(tracker)
            await store.save(tracker)
            await _settle(broker)
            messages = await drain(queue)
            await broker.close()
            return messages

    everything = asyncio.run(scenario())
    assert sender not in json.dumps(everything)
    messages = [
        m for m in everything if m.get("sender_id") == conversation_hash(sender)
    ]  # the id of its events
    assert any(m.get("event") == "user" for m in messages)
    erased = [m for m in messages if m.get("event") == "conversation_erased"]
    assert len(erased) == 1, [m.get("event") for m in messages]
    assert erased[0]["reason"] == "citizen_request"


# -- erase --------------------------------------------------------------------------------------------
def test_erase_leaves_nothing_of_the_conversation_in_any_store(databases):
    """Attack: after the citizen erased her conversation, someone with access to the databases
    (or a backup) still finds her words in a handoff transcript, her callback number, a pending
    review item, or her WhatsApp number in the channel bookkeeping."""
    number = phone()
    sender = f"wa-{number}"
    now = time.time()
    store = _tracker_store(databases["tracker"])
    tracker = DialogueStateTracker(sender, DOMAIN.slots)

    citizen_turn(tracker)
    asyncio.run(store.save(tracker))
    seed_handoffs(databases["handoff"], sender, number, now)
    seed_review_item(databases["handoff"], sender, now)
    _whatsapp_bookkeeping(databases["channels"], number, f"wamid.HBgM{number}FQIAEhgUM0EwQkY", now)
    assert SECRET_TEXT in database_dump(databases["handoff"])  # the copies exist before the erase

    confirm_erase(tracker)
    asyncio.run(store.save(tracker))
    store.engine.dispose()

    for name, url in databases.items():
        _assert_absent(database_dump(url), number, f"the {name} database")
    assert count_rows(databases["handoff"], "handoffs") == 0
    assert count_rows(databases["handoff"], "review_items") == 0
    assert count_rows(databases["channels"], "whatsapp_contacts") == 0
    assert count_rows(databases["channels"], "channel_events") == 0


# -- retention ----------------------------------------------------------------------------------------
def test_retention_leaves_nothing_of_an_expired_conversation_in_any_store(databases):
    """Attack: a conversation past its retention period is deleted from the tracker store, but its
    still-open handoff (transcript, callback number), its pending review item, its WhatsApp
    bookkeeping and its events at the broker's consumers live on."""
    number, kept_number = phone(), phone()
    sender, kept = f"wa-{number}", f"wa-{kept_number}"
    long_ago = time.time() - 40 * DAY  # sensitive conversations are kept 30 days
    store = _tracker_store(databases["tracker"])
    for conversation, at in ((sender, long_ago), (kept, time.time())):
        tracker = DialogueStateTracker(conversation, DOMAIN.slots)

        citizen_turn(tracker, at=at)
        asyncio.run(store.save(tracker))
    store.engine.dispose()
    seed_handoffs(databases["handoff"], sender, number, long_ago)
    seed_review_item(databases["handoff"], sender, long_ago)
    seed_review_item(databases["handoff"], kept, time.time())
    _whatsapp_bookkeeping(databases["channels"], number, f"wamid.HBgM{number}FQIAEhgUM0EwQkY", long_ago)

    async def run_retention() -> tuple[subprocess.CompletedProcess, list[dict]]:
        async with private_queue() as (name, queue):
            env = {**os.environ, **production_broker_env(name), "JISR_PROFILE": "production",
                   "TRACKER_DB_URL": databases["tracker"]}  # fmt: skip
            result = await asyncio.to_thread(
                subprocess.run, [sys.executable, "-m", "bot.ops.purge"], cwd=ROOT, env=env,
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            return result, await drain(queue)

    result, messages = asyncio.run(run_retention())
    assert result.returncode == 0, result.stdout + result.stderr

    for name, url in databases.items():
        dump = database_dump(url)
        assert number not in dump, (
            f"the number (or a message id embedding it) survives in the {name} database"
        )
    assert count_rows(databases["handoff"], "handoffs") == 0, "an expired open handoff survives"
    assert count_rows(databases["handoff"], "review_items") == 1  # the recent conversation's item stays
    assert SECRET_TEXT in database_dump(databases["tracker"])  # the recent conversation stays
    ours = {
        conversation_hash(sender),
        conversation_hash(kept),
    }  # the exchange is shared with other Rasa servers
    erased = [m for m in messages if m.get("event") == "conversation_erased" and m.get("sender_id") in ours]
    assert [(m["sender_id"], m["reason"]) for m in erased] == [(conversation_hash(sender), "retention")]


# -- processes that erase have what they need ---------------------------------------------------------
def _production_env(queue: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HANDOFF_DB_URL", "CHANNELS_DB_URL", "REVIEW_SALT", "REVIEW_SALT_FILE")}  # fmt: skip
    env.update(production_broker_env(queue), JISR_PROFILE="production", RASA_TELEMETRY_ENABLED="false",
               RASA_TOKEN="erase-settings-" + "s" * 32,  # the API secret is there: only the erase settings lack
               HANDOFF_DB=str(tmp_path / "pod-local-handoff.db"), CHANNELS_DB=str(tmp_path / "pod-local-channels.db"),
               **extra)  # fmt: skip
    return env


@pytest.mark.server
def test_rasa_in_production_refuses_to_start_without_the_erase_settings(model_path, tmp_path):
    """Attack: a Rasa pod started without HANDOFF_DB_URL, CHANNELS_DB_URL or the review salt
    answers citizens, and her erase then deletes a pod-local SQLite file while the shared
    handoff database, channel database and review queue keep everything."""
    from bot.launcher import rasa_server_command
    from tests.conftest import free_port

    port = free_port()
    env = _production_env("jisr_test_unused", tmp_path)
    command = rasa_server_command(port, model_path, ["--endpoints", str(ROOT / "endpoints.prod.yml")])
    log = tmp_path / "rasa.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            import urllib.request

            deadline = time.monotonic() + 300
            ready = False
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(rasa_api.ready_url(f"http://127.0.0.1:{port}"), timeout=2):
                        ready = True
                        break
                except OSError:
                    time.sleep(0.5)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=60)
    text = log.read_text(errors="replace")
    assert not ready, "Rasa served requests without the settings its erase needs"
    assert process.returncode != 0
    for name in ("HANDOFF_DB_URL", "CHANNELS_DB_URL", "REVIEW_SALT"):
        assert name in text, f"the refusal does not name {name}:\n{text[-3000:]}"


def test_retention_in_production_refuses_to_run_without_the_erase_settings(tmp_path, monkeypatch):
    """Attack: the retention cron job runs without HANDOFF_DB_URL and purges the tracker while the
    expired handoffs in the shared database stay (it would clean a local SQLite file instead)."""
    monkeypatch.setenv("REVIEW_SALT", SALT)
    tracker_url = f"sqlite:///{tmp_path / 't.db'}"
    store = _tracker_store(tracker_url)
    tracker = DialogueStateTracker(f"wa-{phone()}", DOMAIN.slots)

    citizen_turn(tracker, at=time.time() - 400 * DAY)
    asyncio.run(store.save(tracker))
    env = _production_env("jisr_test_unused", tmp_path, TRACKER_DB_URL=tracker_url)
    result = subprocess.run([sys.executable, "-m", "bot.ops.purge"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode != 0
    assert "HANDOFF_DB_URL" in result.stdout + result.stderr
    assert SECRET_TEXT in database_dump(tracker_url), "retention deleted before checking its settings"
    assert not (tmp_path / "pod-local-handoff.db").exists()
