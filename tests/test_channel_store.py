"""The channels' durable state, on real SQLite and the PostgreSQL server on 127.0.0.1:5432.

Two ``ChannelStore`` objects on one database stand for two Rasa instances behind a load balancer.
"""

import os
import uuid

import pytest
import sqlalchemy as sa

from bot.channels.store import (
    EVENT_RETENTION,
    TELEGRAM_DELETE_WINDOW,
    WHATSAPP_WINDOW,
    ChannelStore,
    ClaimState,
    channel_events,
    contact_event_id,
    database_url,
)

POSTGRES_URL = os.environ.get("CHANNELS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = 1_800_000_000.0


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'channels.db'}"
    return POSTGRES_URL


@pytest.fixture
def stores(url):
    """Two instances on the same database."""
    return ChannelStore(url), ChannelStore(url)


def _key() -> str:
    return uuid.uuid4().hex  # PostgreSQL is shared between runs: every test uses fresh ids


def test_an_event_is_processed_once_across_instances(stores):
    first, second = stores
    key = _key()
    assert first.first_time("telegram", key, NOW)
    assert not second.first_time("telegram", key, NOW)
    assert not first.first_time("telegram", key, NOW)
    assert second.first_time("whatsapp", key, NOW)  # another channel's id space


def test_telegram_message_ids_are_kept_48_hours_then_forgotten(stores):
    first, second = stores
    chat = int(uuid.uuid4().int % 10**12)
    first.record_telegram_messages(chat, [11, 12], NOW - TELEGRAM_DELETE_WINDOW - 1)
    first.record_telegram_messages(chat, [13, 14, 14], NOW)
    second.record_telegram_messages(chat, [13], NOW)  # a duplicate from another instance is ignored
    assert second.telegram_message_ids(chat, NOW) == [13, 14]
    assert first.forget_telegram_messages(chat, [13, 14]) == 2
    assert first.telegram_message_ids(chat, NOW) == []
    assert first.forget_telegram_messages(chat) == 2  # the two too old to delete


def test_long_payloads_get_a_short_key_any_instance_can_expand(stores):
    first, second = stores
    payload = '/inform{"service_id": "' + _key() * 3 + '"}'
    key = first.shorten_payload(payload, 64, NOW)
    assert key != payload and len(key.encode()) <= 64
    assert first.shorten_payload(payload, 64, NOW) == key
    assert second.expand_payload(key) == payload
    assert first.shorten_payload("/greet", 64) == "/greet"
    assert second.expand_payload("/greet") == "/greet"
    assert second.expand_payload("k:unknown") is None


def test_whatsapp_window_is_24_hours_from_the_latest_message(stores):
    first, second = stores
    wa_id = str(uuid.uuid4().int % 10**12)
    assert not first.within_window(wa_id, NOW)
    first.touch_contact(wa_id, NOW - WHATSAPP_WINDOW + 60)
    assert second.within_window(wa_id, NOW)
    assert not second.within_window(wa_id, NOW + 61)
    second.touch_contact(wa_id, NOW)
    first.touch_contact(wa_id, NOW - 3600)  # an older message delivered late does not shorten it
    assert first.last_inbound(wa_id) == NOW
    first.forget_contact(wa_id)
    assert second.last_inbound(wa_id) is None


def test_prune_deletes_only_rows_that_no_longer_serve(stores):
    first, _ = stores
    old, recent = _key(), _key()
    first.first_time("telegram", old, NOW - EVENT_RETENTION - 1)
    first.first_time("telegram", recent, NOW)
    first.prune(NOW)
    first.prune(NOW)  # idempotent
    with first.engine.connect() as connection:
        kept = {row[0] for row in connection.execute(sa.select(channel_events.c.event_id))}
    assert recent in kept and old not in kept


def test_forgetting_a_conversation_removes_its_rows_and_only_its_rows(stores):
    first, second = stores
    wa_id, other = str(uuid.uuid4().int % 10**12), str(uuid.uuid4().int % 10**12)
    chat, other_chat = uuid.uuid4().int % 10**9, uuid.uuid4().int % 10**9
    for contact in (wa_id, other):
        first.first_time("whatsapp", contact_event_id(contact, f"wamid.{contact}"), NOW)
        first.touch_contact(contact, NOW)
    first.record_telegram_messages(chat, [1, 2], NOW - 3 * TELEGRAM_DELETE_WINDOW)  # too old to delete
    first.record_telegram_messages(other_chat, [1], NOW)
    assert second.forget_conversation(f"wa-{wa_id}") == 2
    assert second.forget_conversation(f"tg-{chat}") == 2
    assert second.forget_conversation("rest-123") == 0
    assert first.last_inbound(wa_id) is None and first.last_inbound(other) == NOW
    assert not first.first_time("whatsapp", contact_event_id(other, f"wamid.{other}"), NOW)  # still known
    assert first.first_time("whatsapp", contact_event_id(wa_id, f"wamid.{wa_id}"), NOW)  # forgotten
    assert first.telegram_message_ids(other_chat, NOW) == [1]
    with first.engine.connect() as connection:
        stored = " ".join(row[0] for row in connection.execute(sa.select(channel_events.c.event_id)))
    assert wa_id not in stored and other not in stored  # no number in a stored id


def test_database_url_defaults_to_sqlite_under_var(monkeypatch):
    monkeypatch.delenv("CHANNELS_DB_URL", raising=False)
    monkeypatch.delenv("CHANNELS_DB", raising=False)
    assert database_url().startswith("sqlite:///") and database_url().endswith("var/channels.db")
    monkeypatch.setenv("CHANNELS_DB_URL", POSTGRES_URL)
    assert database_url() == POSTGRES_URL


def test_an_event_is_recorded_done_only_when_its_processing_ends(stores):
    """A claim is not a "seen": until it is done, a copy is busy, never a silent duplicate."""
    first, second = stores
    key = _key()
    claim = first.claim("telegram", key, 30, NOW)
    assert claim.state is ClaimState.NEW and not claim.taken_over
    assert second.claim("telegram", key, 30, NOW + 1).state is ClaimState.BUSY
    assert first.renew(claim, 30, NOW + 20)
    assert second.claim("telegram", key, 30, NOW + 40).state is ClaimState.BUSY  # renewed lease holds
    first.mark_done(claim, NOW + 45)
    assert second.claim("telegram", key, 30, NOW + 46).state is ClaimState.DONE
    assert first.claim("whatsapp", key, 30, NOW).state is ClaimState.NEW  # another channel's id space


def test_a_dead_holders_claim_is_taken_over_once_its_lease_runs_out(stores):
    first, second = stores
    key = _key()
    dead = first.claim("whatsapp", key, 30, NOW)
    assert second.claim("whatsapp", key, 30, NOW + 29).state is ClaimState.BUSY
    retry = second.claim("whatsapp", key, 30, NOW + 31)
    assert retry.state is ClaimState.NEW and retry.taken_over
    assert not first.renew(dead, 30, NOW + 32)  # the dead holder cannot take it back
    assert first.claim("whatsapp", key, 30, NOW + 33).state is ClaimState.BUSY
    second.mark_done(retry, NOW + 34)
    first.mark_done(dead, NOW + 35)  # a late holder's "done" changes nothing
    assert first.claim("whatsapp", key, 30, NOW + 90).state is ClaimState.DONE


def test_a_released_claim_is_taken_over_at_the_next_delivery(stores):
    first, second = stores
    key = _key()
    claim = first.claim("telegram", key, 30, NOW)
    first.release(claim)
    retry = second.claim("telegram", key, 30, NOW + 1)
    assert retry.state is ClaimState.NEW and retry.taken_over
