"""The channels' bookkeeping never holds a WhatsApp number, and an erase removes what it holds.

A real Rasa server with the WhatsApp channel on (fixtures of tests/test_channel_webhooks.py),
the Graph API stubbed, and the channel database read as an attacker with a backup would.
"""

from __future__ import annotations

import base64
import sqlite3
import time
import uuid
from pathlib import Path

import pytest

from tests import test_channel_webhooks as webhooks
from tests.test_channel_webhooks import (
    button_press,
    message,
    new_chat,
    new_contact,
    notification,
    recorded_ids,
    replies,
    telegram,
    to_contact,
    wait_until,
    whatsapp,
)

stub, channels_db, rasa = webhooks.stub, webhooks.channels_db, webhooks.rasa  # the same real servers

pytestmark = pytest.mark.server


def _message_id(wa_id: str) -> str:
    """A message id shaped like WhatsApp's: base64 of a header, the sender's number and a random part."""
    return (
        "wamid." + base64.b64encode(f"\x15\x02\x00{wa_id}\x12\x18{uuid.uuid4().hex[:20]}".encode()).decode()
    )


def _text(wa_id: str, body: str) -> dict:
    return {"from": wa_id, "id": _message_id(wa_id), "timestamp": str(int(time.time())), "type": "text",
            "text": {"body": body}}  # fmt: skip


def _button(wa_id: str, payload: str) -> dict:
    return {"from": wa_id, "id": _message_id(wa_id), "timestamp": str(int(time.time())), "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": payload, "title": "OK"}}}  # fmt: skip


def _rows(database: Path) -> str:
    with sqlite3.connect(database) as db:
        events = db.execute("SELECT event_id FROM channel_events WHERE channel = 'whatsapp'").fetchall()
        contacts = db.execute("SELECT wa_id FROM whatsapp_contacts").fetchall()
    return repr(events + contacts)


def _decoded_ids(database: Path) -> str:
    """The stored event ids with any WhatsApp id decoded, to see a number hidden in base64."""
    with sqlite3.connect(database) as db:
        ids = [row[0] for row in db.execute("SELECT event_id FROM channel_events WHERE channel = 'whatsapp'")]
    decoded = []
    for value in ids:
        if value.startswith("wamid."):
            decoded.append(
                base64.b64decode(value[len("wamid.") :] + "==", validate=False).decode(errors="replace")
            )
    return " ".join(ids + decoded)


def test_whatsapp_erase_leaves_no_number_in_the_channel_database(rasa, stub, channels_db):
    """Attack: the abuser, with access to the channel database (or a backup), finds the citizen's
    phone number in the stored WhatsApp message ids (which embed it), before and after she
    erased her conversation."""
    wa_id = new_contact()
    assert whatsapp(rasa, notification(_text(wa_id, "salam"))) == 200
    stub.wait_for("messages", to_contact(wa_id))
    assert wa_id not in _decoded_ids(channels_db), "a stored message id holds the number"

    asked_before = len(stub.calls("messages", to_contact(wa_id, "interactive")))
    assert whatsapp(rasa, notification(_text(wa_id, "msa7"))) == 200
    question = stub.wait_for("messages", to_contact(wa_id, "interactive"), count=asked_before + 1)[-1]
    confirm = question.params["interactive"]["action"]["buttons"][0]["reply"]["id"]
    replies_before = len(stub.calls("messages", to_contact(wa_id)))
    assert whatsapp(rasa, notification(_button(wa_id, confirm))) == 200
    stub.wait_for("messages", to_contact(wa_id), count=replies_before + 1)

    assert wait_until(lambda: wa_id not in _rows(channels_db) and _rows(channels_db) == "[]"), _rows(
        channels_db
    )
    events = rasa.tracker(f"wa-{wa_id}")["events"] or []
    assert not any(e.get("event") == "user" for e in events)


def test_the_server_log_keeps_neither_the_number_nor_the_words(rasa, stub):
    """Attack: read the Rasa server's log (shipped to a log platform nobody erases) for a citizen's
    number and what she wrote; an erase cannot reach it, so nothing of it may be there."""
    wa_id = new_contact()
    words = f"bghit nchki 3la rajli {uuid.uuid4().hex[:6]}"
    assert whatsapp(rasa, notification(_text(wa_id, words))) == 200
    stub.wait_for("messages", to_contact(wa_id))
    log = rasa.log_file.read_text(encoding="utf-8", errors="replace")
    assert wa_id not in log
    assert words not in log and words.split()[-1] not in log


def test_a_telegram_erase_forgets_message_ids_too_old_to_delete(rasa, stub, channels_db):
    """Attack: after the quick exit, the channel database still links the citizen's Telegram chat
    id to the service through message ids older than the 48 hours the Bot API can delete."""
    chat = new_chat()
    telegram(rasa, message(chat, "/start"))
    replies(stub, chat)
    with sqlite3.connect(channels_db) as db:  # a message of three days ago, recorded then
        db.execute(
            "INSERT INTO telegram_messages VALUES (?, ?, ?)", (chat, 999_999_999, time.time() - 3 * 86400)
        )
    telegram(rasa, message(chat, "/exit"))
    replies(stub, chat, 2)
    telegram(rasa, button_press(chat, "/affirm"))
    stub.wait_for("deleteMessages", lambda call: call.params.get("chat_id") == chat)
    assert wait_until(lambda: recorded_ids(channels_db, chat) == 0), recorded_ids(channels_db, chat)
