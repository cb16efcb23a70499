"""Oversized input on every channel is cut or refused before NLU and before storage."""

from __future__ import annotations

import contextlib
import json
import random
import time
import uuid

import pytest

from bot.text.normalization import MAX_MESSAGE_CHARS
from tests.channel_clients import (
    WebChatClient,
    post_json,
    post_telegram,
    post_whatsapp,
    telegram_text_update,
    whatsapp_text_notification,
)
from tests.security.conftest import (
    TELEGRAM_SECRET,
    WHATSAPP_APP_SECRET,
    WHATSAPP_PHONE_ID,
    stored_events,
    stored_user_texts,
    wait_for_user_messages,
)

pytestmark = pytest.mark.server

#: 200 kB of words: under the webhooks' body limit, 200 times the message cap.
OVERSIZED = "bghit nhder m3a chi wa7ed " * 8000


def _assert_cut(texts: list[str]) -> None:
    assert texts, "the message was not stored at all"
    assert max(len(t) for t in texts) <= MAX_MESSAGE_CHARS, [len(t) for t in texts]


def test_rest_oversized_message_is_cut_before_storage(target):
    """Attack: a 200 kB message on the REST channel, to fill the tracker store."""
    sender = f"big-{uuid.uuid4().hex[:8]}"
    status, _ = post_json(
        f"{target.url}/webhooks/rest/webhook", json.dumps({"sender": sender, "message": OVERSIZED}).encode()
    )
    assert status == 200
    _assert_cut(stored_user_texts(target, sender))


def test_rest_oversized_metadata_is_not_stored(target):
    """Attack: a small message carrying 200 kB of REST ``metadata``, which the tracker stores with it."""
    sender = f"meta-{uuid.uuid4().hex[:8]}"
    body = {"sender": sender, "message": "salam", "metadata": {"blob": OVERSIZED}}
    status, _ = post_json(f"{target.url}/webhooks/rest/webhook", json.dumps(body).encode())
    assert status in (200, 400, 413)
    stored = json.dumps(stored_events(target, sender))
    assert len(stored) < 50_000, f"{len(stored)} characters stored for one greeting"


def test_a_body_over_the_server_limit_is_refused_unread(target):
    """Attack: a 3 MB request body to Rasa's HTTP server (Sanic accepts 100 MB by default)."""
    sender = f"huge-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"sender": sender, "message": "a " * 1_500_000}).encode()
    status, _ = post_json(f"{target.url}/webhooks/rest/webhook", body)
    assert status == 413
    assert stored_events(target, sender) == []


def test_telegram_oversized_message_is_cut_before_storage(target):
    """Attack: a 200 kB text in a Telegram update (the Bot API itself stops at 4,096 characters)."""
    chat = random.randrange(10**8, 10**10)
    status = post_telegram(target.url, telegram_text_update(chat, OVERSIZED), TELEGRAM_SECRET)
    assert status == 200
    _assert_cut(stored_user_texts(target, f"tg-{chat}"))


def test_whatsapp_oversized_message_is_cut_before_storage(target):
    """Attack: a 200 kB text in a WhatsApp notification."""
    wa_id = str(random.randrange(212600000000, 212799999999))
    body = whatsapp_text_notification(wa_id, OVERSIZED, WHATSAPP_PHONE_ID)
    assert post_whatsapp(target.url, body, WHATSAPP_APP_SECRET) == 200
    _assert_cut(stored_user_texts(target, f"wa-{wa_id}"))


def test_web_chat_oversized_message_is_refused_or_cut_before_storage(target):
    """Attack: a 200 kB message on the socket.io web chat channel.

    The channel refuses socket.io packets over 16 KiB, so the 200 kB message never reaches the
    conversation; the longest message a packet can carry (15,000 characters) is cut at the entrance.
    """
    client = WebChatClient(target.url, "webchat-oversized")
    session = client.session_id  # the conversation the server opened
    try:
        with contextlib.suppress(Exception):  # the server closes the connection that sent the packet
            client.send(OVERSIZED)
        time.sleep(5)
        assert stored_user_texts(target, session) == []
    finally:
        client.close()
    client = WebChatClient(target.url, "webchat-longest")
    session = client.session_id
    try:
        client.send(("bghit nhder m3a chi wa7ed " * 600)[:15_000])
        _assert_cut(wait_for_user_messages(target, session, 1))
    finally:
        client.close()
