"""Login rate limit, the user CLI, and replies that survive a Rasa outage and a console restart
(each test with its own database and console, on SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import time

from bot.console.auth import MAX_FAILURES_PER_USERNAME
from bot.handoff.store import HandoffStore
from bot.settings import ROOT
from tests import console_support
from tests.console_support import PASSWORD, RasaStub, add_handoff, add_user, start_console

db_url = console_support.db_url  # the fixture: a fresh database on SQLite, then on PostgreSQL
rasa_stub = console_support.rasa_stub


def test_login_is_rate_limited_per_username(db_url, rasa_stub, tmp_path):
    store = HandoffStore(db_url)
    add_user(store, "amina")
    add_user(store, "youssef")
    console = start_console(db_url, rasa_stub.url, tmp_path)
    try:
        client = console.client()
        client.get("/login")
        for _ in range(MAX_FAILURES_PER_USERNAME):
            assert (
                client.post("/login", {"username": "amina", "password": "not her password"}).status_code
                == 401
            )
        blocked = client.post("/login", {"username": "amina", "password": PASSWORD})
        assert blocked.status_code == 429
        assert "Trop d'essais manqués" in blocked.text and "15 minutes" in blocked.text
        assert client.get("/queue").status_code == 302
        # another user from the same address is not locked out by amina's failures
        assert client.post("/login", {"username": "youssef", "password": PASSWORD}).status_code == 303
    finally:
        console.stop()
    # the limit is kept in the database: a restarted console still refuses
    console = start_console(db_url, rasa_stub.url, tmp_path)
    try:
        client = console.client()
        client.get("/login")
        assert client.post("/login", {"username": "amina", "password": PASSWORD}).status_code == 429
    finally:
        console.stop()


def test_replies_survive_a_rasa_outage_and_a_console_restart(db_url, tmp_path):
    stub = RasaStub()
    stub.status = 503  # Rasa is down
    store = HandoffStore(db_url)
    user = add_user(store, "karima")
    handoff = add_handoff(store)
    console = start_console(db_url, stub.url, tmp_path)
    try:
        client = console.client()
        client.login("karima")
        client.get("/queue")
        assert client.post(f"/handoffs/{handoff.id}/claim").status_code == 303
        assert client.post(f"/handoffs/{handoff.id}/reply", {"text": "Je suis là."}).status_code == 303
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and store.undelivered()[0][0].delivery_attempts < 1:
            time.sleep(0.1)
        claimed, reply = [m for m, h in store.undelivered() if h.id == handoff.id]
        assert claimed.event == "handoff_claimed" and claimed.delivery_attempts >= 1
        assert reply.author == "caseworker" and reply.delivery_attempts == 0  # held back: order is kept
        assert claimed.delivered_at is None and reply.delivered_at is None
    finally:
        console.stop()
    stub.status = 200  # Rasa is back, and the console starts again
    console = start_console(db_url, stub.url, tmp_path)
    try:
        calls = stub.wait_for(2, timeout=30)
        assert [c["body"]["name"] for c in calls] == [
            "EXTERNAL_handoff_claimed",
            "EXTERNAL_caseworker_message",
        ]
        assert calls[1]["body"]["entities"] == {"caseworker_text": "Je suis là."}
        deadline = time.monotonic() + 10
        while store.undelivered() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert store.undelivered() == []
        assert user.id == store.get(handoff.id).claimed_by
    finally:
        console.stop()
        stub.close()


def _cli(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.ops.console", "--db", db_url, *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip


def test_cli_creates_the_first_supervisor_with_a_password_from_stdin(db_url, rasa_stub, tmp_path):
    args = ("create-user", "--role", "supervisor", "--username", "chef", "--password-stdin")
    short = _cli(db_url, *args, stdin="short\n")
    assert short.returncode == 2 and "at least 12" in short.stderr
    created = _cli(db_url, *args, "--display-name", "Salma B.", stdin=f"{PASSWORD}\n")
    assert created.returncode == 0, created.stderr
    again = _cli(db_url, *args, stdin=f"{PASSWORD}\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    bad = _cli(
        db_url, "create-user", "--role", "admin", "--username", "x1", "--password-stdin", stdin=PASSWORD
    )
    assert bad.returncode == 2
    user = HandoffStore(db_url).staff_by_username("chef")
    assert user.role == "supervisor" and user.display_name == "Salma B."
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    console = start_console(db_url, rasa_stub.url, tmp_path)
    try:
        client = console.client()
        assert client.login("chef").status_code == 303
        assert client.get("/supervisor").status_code == 200
        assert _cli(db_url, "deactivate", "--username", "chef").returncode == 0
        assert client.get("/supervisor").status_code == 302  # a deactivated user's session ends at once
        assert console.client().login("chef").status_code == 401
    finally:
        console.stop()
