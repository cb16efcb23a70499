"""Attacks on Rasa's HTTP API, which can read, rewrite and erase any conversation.

Every test runs against real servers on loopback (Rasa, action server, console).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import jwt
import pytest

from bot import rasa_api
from bot.i18n.render import render_text
from bot.launcher import rasa_server_command
from bot.ops.prod import Layout, Profile, profile_env
from bot.ops.prod_settings import InsecureSettings
from bot.settings import ROOT
from bot.training import MODEL_FILE
from tests.console_support import PASSWORD, add_user
from tests.security.conftest import Stack


def request(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None) -> int:
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(call, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def citizen_says(stack: Stack, sender: str, text: str) -> None:
    """The citizen's app posts to Rasa's callback channel; replies arrive at the receiver."""
    status = request(
        f"{stack.assistant.url}/webhooks/callback/webhook", "POST", {"sender": sender, "message": text}
    )
    assert status == 200


def received(stack: Stack, sender: str, text: str, timeout: float = 30) -> dict:
    return stack.receiver.wait_for(
        lambda m: m.get("recipient_id") == sender and m.get("text") == text, timeout=timeout
    )


def test_a_local_process_without_the_token_cannot_read_or_write_a_conversation(stack: Stack):
    """Attack: any local process (or anyone reaching the port) reads a citizen's conversation through
    Rasa's HTTP API, injects a message into it, or erases it."""
    sender = f"victim-{uuid.uuid4().hex[:8]}"
    citizen_says(stack, sender, "salam")
    base = f"{stack.assistant.url}/conversations/{sender}"
    secret = rasa_api.api_secret(stack.assistant.env)
    attempts = {
        "read": (f"{base}/tracker", "GET", None),
        "inject": (f"{base}/trigger_intent?output_channel=latest", "POST", {"name": "greet"}),
        "rewrite": (f"{base}/tracker/events", "PUT", []),
        "parse": (f"{stack.assistant.url}/model/parse", "POST", {"text": "salam"}),
    }
    for name, (url, method, body) in attempts.items():
        assert request(url, method, body) == 401, name
        # Rasa's ``?token=`` form is not accepted either (it would leak into access logs)
        assert request(f"{url}{'&' if '?' in url else '?'}token={secret}", method, body) == 401, name
    forged = jwt.encode({"user": {"username": "x", "role": "admin"}}, "not-the-secret" * 3, algorithm="HS256")
    assert request(f"{base}/tracker", headers={"Authorization": f"Bearer {forged}"}) == 401
    expired = jwt.encode({"user": {"username": "x", "role": "admin"}, "exp": 1}, secret, algorithm="HS256")
    assert request(f"{base}/tracker", headers={"Authorization": f"Bearer {expired}"}) == 401
    # a token for one conversation opens that one only
    other = rasa_api.auth_headers(stack.assistant.env, conversation_id="someone-else")
    assert request(f"{base}/tracker", headers=other) == 403
    assert request(f"{base}/tracker", headers=stack.assistant.api_headers(sender)) == 200
    assert request(f"{base}/tracker", headers=stack.assistant.api_headers()) == 200


def test_the_rasa_secret_never_appears_on_a_command_line(stack: Stack, tmp_path: Path):
    """Attack: a local user reads the API secret from /proc/<pid>/cmdline (``rasa run --auth-token``)."""
    secret = rasa_api.api_secret(stack.assistant.env)
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes()
        except OSError:
            continue  # the process ended meanwhile
        assert secret.encode() not in arguments, cmdline
    token_file = Path(stack.assistant.env[rasa_api.TOKEN_FILE_ENV])
    assert token_file.stat().st_mode & 0o777 == 0o600
    # the production profile's Rasa command line carries no secret either
    prod_secret = "prod-" + uuid.uuid4().hex * 2
    layout = Layout.on_free_ports(1, 1)
    env = profile_env(layout, {**os.environ, "RASA_TOKEN": prod_secret, "JISR_LOCAL_TRIAL": "1"})
    program, _ = Profile(layout, env, tmp_path).program("rasa-1")
    assert all(prod_secret not in argument for argument in program.command)
    assert prod_secret not in str(program.environment)  # supervisord passes the profile's environment
    assert env["RASA_TOKEN"] == prod_secret


def test_rasa_does_not_start_its_api_without_a_secret(tmp_path: Path):
    """Attack: the API is started open because nobody configured a token (or passed on the command line)."""
    env = {k: v for k, v in os.environ.items() if k not in (rasa_api.TOKEN_ENV, rasa_api.TOKEN_FILE_ENV)}
    env.update(
        PYTHONPATH=str(ROOT), ACTION_SERVER_URL="http://127.0.0.1:9/webhook", RASA_TELEMETRY_ENABLED="false"
    )
    open_api = subprocess.run(
        rasa_server_command(0, MODEL_FILE), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert open_api.returncode != 0
    assert "not started without authentication" in open_api.stderr
    env[rasa_api.TOKEN_FILE_ENV] = str(rasa_api.ensure_token_file(tmp_path / "token"))
    on_argv = subprocess.run(
        rasa_server_command(0, MODEL_FILE, ["--auth-token", "x" * 40]),
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert on_argv.returncode != 0 and "--auth-token" in on_argv.stderr
    short = {**env, rasa_api.TOKEN_ENV: "short"}
    weak = subprocess.run(
        [sys.executable, "-m", "bot.ops.rasa_server", "run"], cwd=ROOT, env=short, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert weak.returncode != 0 and "at least" in weak.stderr


def test_the_production_profile_refuses_to_start_the_api_without_a_token():
    """Attack: production runs with Rasa's API open because ``RASA_TOKEN`` was forgotten."""
    layout = Layout.on_free_ports(1, 1)
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in (rasa_api.TOKEN_ENV, rasa_api.TOKEN_FILE_ENV, "JISR_LOCAL_TRIAL")
    }
    base.update(TRACKER_DB_PASSWORD="pg-secret", REDIS_PASSWORD="redis-secret", RABBITMQ_USER="jisr",
                RABBITMQ_PASSWORD="mq-secret")  # fmt: skip
    with pytest.raises(InsecureSettings) as refused:
        profile_env(layout, base)
    assert [p for p in refused.value.problems if p.startswith("Rasa HTTP API")]
    assert profile_env(layout, {**base, "RASA_TOKEN": "t" * 40})["RASA_TOKEN"] == "t" * 40


def test_a_caseworker_reply_reaches_the_citizen_with_the_api_protected(stack: Stack):
    """Attack side effect: with the API protected, the console's delivery must still authenticate, or every
    caseworker reply silently stops (the console sent a header Rasa's token check did not read)."""
    add_user(stack.store, "salma-sec", display_name="Salma")
    caseworker = stack.console.client()
    assert caseworker.login("salma-sec", PASSWORD).status_code == 303
    caseworker.get("/queue")  # online now: the handoff is queued, not turned into a callback offer
    sender = f"citizen-{uuid.uuid4().hex[:8]}"
    citizen_says(stack, sender, "Je veux parler à une personne")
    citizen_says(stack, sender, '/inform{"share_scope": "summary"}')
    handoff = stack.store.open_for(sender)
    assert handoff is not None, stack.receiver.messages
    assert caseworker.post(f"/handoffs/{handoff.id}/claim").status_code == 303
    received(stack, sender, render_text("utter_handoff_claimed", "fr", {"name": "Salma"}))
    caseworker.get(f"/handoffs/{handoff.id}")
    reply = "Bonjour, je suis Salma. Comment puis-je vous aider ?"
    assert caseworker.post(f"/handoffs/{handoff.id}/reply", {"text": reply}).status_code == 303
    received(stack, sender, reply)
    deadline = time.monotonic() + 20  # Rasa's 2xx marks the row delivered right after the push
    while [m for m, h in stack.store.undelivered() if h.conversation_id == sender]:
        assert time.monotonic() < deadline, "Rasa did not accept the console's delivery"
        time.sleep(0.1)


def test_neither_the_secret_nor_a_token_reaches_the_logs(stack: Stack):
    """Attack: someone with read access to the logs (or a log shipper) replays the API secret or a token
    (Rasa's ``?token=`` form puts it in every access-log line)."""
    headers = stack.assistant.api_headers()
    token = headers["Authorization"].split(" ", 1)[1]
    status, _body = stack.assistant.api("GET", "/conversations/log-check/tracker")
    assert status == 200
    request(f"{stack.assistant.url}/conversations/log-check/tracker", headers=headers)
    request(
        f"{stack.assistant.url}/conversations/log-check/tracker", headers={"Authorization": "Bearer x.y.z"}
    )
    secret = rasa_api.api_secret(stack.assistant.env)
    logs = [stack.assistant.log_file, *stack.console.log.parent.glob("*.log")]
    for log in logs:
        text = log.read_text(encoding="utf-8", errors="replace")
        assert secret not in text and token not in text, log
