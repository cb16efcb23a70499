"""One real assistant for the attack tests: REST, Telegram and WhatsApp (local API stub), socket.io.

Office hours are always open and nobody is online, so asking for a person leads to the callback
form: the place where a citizen types a phone number.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Iterator

import pytest
from cryptography.fernet import Fernet

from bot.training import ROOT
from tests.channel_api_stub import ApiStub
from tests.conftest import RunningAssistant
from tests.live_assistant import live_assistant

TELEGRAM_TOKEN = "777:security-stub-token"
TELEGRAM_SECRET = "security-webhook-secret"
WHATSAPP_APP_SECRET = "security-app-secret"
WHATSAPP_PHONE_ID = "2077"


@pytest.fixture(scope="package")
def api_stub() -> Iterator[ApiStub]:
    server = ApiStub().start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def target(tmp_path_factory, model_path: Path, api_stub: ApiStub) -> Iterator[RunningAssistant]:
    """The assistant under attack, every channel on, its tracker store a real SQLite file."""
    workdir = tmp_path_factory.mktemp("security")
    env = {
        "OFFICE_HOURS_FILE": str(ROOT / "tests" / "data" / "office_hours_always_open.yml"),
        "CALLBACK_KEY": Fernet.generate_key().decode(),
        "CHANNELS_DB": str(workdir / "channels.db"),
        "CHANNEL_RETRY_BASE_DELAY": "0.01",
        "CHANNEL_HTTP_TIMEOUT": "5",
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_URL": api_stub.url,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "WHATSAPP_ACCESS_TOKEN": "security-access-token",
        "WHATSAPP_PHONE_NUMBER_ID": WHATSAPP_PHONE_ID,
        "WHATSAPP_APP_SECRET": WHATSAPP_APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": "security-verify",
        "WHATSAPP_API_URL": api_stub.url,
    }
    with live_assistant(workdir, env) as assistant:
        yield assistant


def stored_events(assistant: RunningAssistant, sender: str) -> list[dict]:
    """Every event of ``sender`` as the tracker store wrote it (read from the database file)."""
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def stored_user_texts(assistant: RunningAssistant, sender: str) -> list[str]:
    return [e.get("text") or "" for e in stored_events(assistant, sender) if e.get("event") == "user"]


def wait_for_user_messages(
    assistant: RunningAssistant, sender: str, count: int, timeout: float = 300
) -> list[str]:
    """The stored citizen messages of ``sender`` once there are ``count`` (fails after ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = stored_user_texts(assistant, sender)
        if len(texts) >= count:
            return texts
        time.sleep(0.2)
    raise AssertionError(
        f"{sender}: {len(stored_user_texts(assistant, sender))} messages stored, expected {count}"
    )
