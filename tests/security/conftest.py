"""Real servers for the attack tests.

- ``stack``: Rasa + action server (callback channel to a local receiver), the console signing its calls
  with the installation's secret, and the shared handoff database.
- ``target``: one assistant with REST, Telegram and WhatsApp (local API stub) and web chat. Office hours
  are always open and nobody is online, so asking for a person leads to the callback form: the place
  where a citizen types a phone number.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.handoff.store import HandoffStore
from bot.settings import ROOT
from tests.channel_api_stub import ApiStub
from tests.conftest import RunningAssistant
from tests.console_support import ConsoleServer, add_user, sqlite_url, start_console
from tests.live_assistant import Receiver, live_assistant

ALWAYS_OPEN = ROOT / "tests" / "data" / "office_hours_always_open.yml"


@dataclass
class Stack:
    assistant: RunningAssistant
    console: ConsoleServer
    receiver: Receiver
    store: HandoffStore


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("security-stack")
    receiver = Receiver()
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        (ROOT / "credentials.yml").read_text(encoding="utf-8") + f"\ncallback:\n  url: {receiver.url}\n",
        encoding="utf-8",
    )
    try:
        with live_assistant(workdir, {"OFFICE_HOURS_FILE": str(ALWAYS_OPEN)}, credentials) as assistant:
            console = start_console(sqlite_url(workdir), assistant.url, workdir, assistant.client_env())
            try:
                yield Stack(assistant, console, receiver, HandoffStore(sqlite_url(workdir)))
            finally:
                console.stop()
    finally:
        receiver.close()


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


__all__ = ["Stack", "add_user", "api_stub", "stack", "stored_events", "target"]
