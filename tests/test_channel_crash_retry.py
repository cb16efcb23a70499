"""A message in flight on a Rasa instance that is killed is processed once after the platform's retry.

Telegram and Meta deliver a webhook again until they get a 2xx. The Rasa instance is killed with
SIGKILL while it is sending its reply (the local API stub holds the send), the instance is started
again on the same port (as supervisord does), and the webhook is delivered again as the platform
would, until it is acknowledged: the message must then be answered and stored exactly once, and a
further copy must be acknowledged without processing.

Recording an id as seen *before* processing it acknowledged the retry as a duplicate: the message
was lost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from bot import rasa_api
from bot.channels.telegram import SECRET_HEADER
from bot.launcher import action_server_command, rasa_server_command, service_env, stop, wait_until_ready
from bot.settings import ROOT
from tests.channel_api_stub import ApiStub
from tests.conftest import RunningAssistant, free_port

pytestmark = [pytest.mark.model, pytest.mark.server]

TOKEN = "424242:stub-token"
SECRET = "webhook-secret-for-tests"
APP_SECRET = "meta-app-secret"
PHONE_ID = "1055"
LEASE_SECONDS = 3  # how soon a dead instance's claim runs out (30 s by default)
RETRY_FOR = 90.0


class Instance:
    """One Rasa instance with both channels on, started and killed at will on a fixed port."""

    def __init__(self, model: Path, env: dict[str, str], logs: Path) -> None:
        self.model, self.env, self.logs = model, env, logs
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def assistant(self) -> RunningAssistant:
        return RunningAssistant(self.port, Path(self.env["TRACKER_DB"]), self.logs / "rasa.log")

    def start(self) -> None:
        self.starts += 1
        log = (self.logs / f"rasa-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(rasa_server_command(self.port, self.model), cwd=ROOT, env=self.env,
                                        stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        wait_until_ready(
            rasa_api.ready_url(f"http://127.0.0.1:{self.port}"), timeout=300, process=self.process
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def stub() -> Iterator[ApiStub]:
    server = ApiStub().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def instance(model_path: Path, stub: ApiStub, tmp_path_factory) -> Iterator[Instance]:
    folder = tmp_path_factory.mktemp("crash-retry")
    actions_port = free_port()
    env = service_env(actions_port, folder / "tracker.db")
    env.update(
        ACTION_SERVER_URL=f"http://127.0.0.1:{actions_port}/webhook", TRACKER_DB=str(folder / "tracker.db"),
        CHANNELS_DB=str(folder / "channels.db"), CHANNEL_EVENT_LEASE_SECONDS=str(LEASE_SECONDS),
        CHANNEL_RETRY_BASE_DELAY="0.01", CHANNEL_HTTP_TIMEOUT="300",
        TELEGRAM_TOKEN=TOKEN, TELEGRAM_API_URL=stub.url, TELEGRAM_WEBHOOK_SECRET=SECRET,
        WHATSAPP_ACCESS_TOKEN="wa-access-token", WHATSAPP_PHONE_NUMBER_ID=PHONE_ID,
        WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN="verify", WHATSAPP_API_URL=stub.url,
        WHATSAPP_TEMPLATE_NAME="jisr_reopen",
    )  # fmt: skip
    for name in ("CHANNELS_DB_URL", "TELEGRAM_WEBHOOK_URL", "TRACKER_DB_URL"):
        env.pop(name, None)
    actions = subprocess.Popen(action_server_command(actions_port), cwd=ROOT, env=env,
                               stdout=(folder / "actions.log").open("wb"), stderr=subprocess.STDOUT)  # fmt: skip
    rasa = Instance(model_path, env, folder)
    try:
        wait_until_ready(f"http://127.0.0.1:{actions_port}/health", process=actions)
        rasa.start()
        yield rasa
    finally:
        stop([p for p in (rasa.process, actions) if p is not None])


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 300) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # the connection broke: the instance died


def telegram_delivery(chat: int, text: str) -> tuple[str, bytes, dict[str, str], str, str]:
    """(webhook path, body, headers, stub method of the reply, tracker message id) of one update."""
    update_id = random.randrange(10**6, 10**9)
    body = json.dumps({"update_id": update_id, "message": {
        "message_id": random.randrange(1, 10**6), "date": int(time.time()), "text": text,
        "chat": {"id": chat, "type": "private", "first_name": "X"},
        "from": {"id": chat, "is_bot": False, "first_name": "X", "language_code": "fr"},
    }}).encode()  # fmt: skip
    return "/webhooks/telegram/webhook", body, {SECRET_HEADER: SECRET}, "sendMessage", f"tg-{update_id}"


def whatsapp_delivery(contact: str, text: str) -> tuple[str, bytes, dict[str, str], str, str]:
    message_id = f"wamid.{random.randrange(10**6, 10**9)}"
    message = {"from": contact, "id": message_id, "timestamp": str(int(time.time())), "type": "text",
               "text": {"body": text}}  # fmt: skip
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_ID},
             "contacts": [{"profile": {"name": "X"}, "wa_id": contact}], "messages": [message]}  # fmt: skip
    body = json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}).encode()  # fmt: skip
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return "/webhooks/whatsapp/webhook", body, {"X-Hub-Signature-256": signature}, "messages", message_id


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
def test_a_message_in_flight_on_a_killed_instance_is_processed_once_after_the_retry(instance, stub, channel):
    if channel == "telegram":
        recipient = random.randrange(10**8, 10**10)
        path, body, headers, method, message_id = telegram_delivery(recipient, "Bonjour")
        sender, to_citizen = f"tg-{recipient}", lambda call: call.params.get("chat_id") == recipient
    else:
        recipient = str(random.randrange(212600000000, 212799999999))
        path, body, headers, method, message_id = whatsapp_delivery(recipient, "Bonjour")
        sender = f"wa-{recipient}"

        def to_citizen(call) -> bool:  # a reply (text or buttons), not the read receipt
            return call.params.get("to") == recipient

    def in_flight(call) -> bool:  # a reply, or WhatsApp's read receipt that goes before it
        return to_citizen(call) or call.params.get("message_id") == message_id

    url = f"{instance.assistant.url}{path}"
    stub.fail(method, 500, {"ok": False}, times=5, delay=600)  # the reply hangs: the message is in flight
    first = threading.Thread(target=post, args=(url, body, headers), daemon=True)
    first.start()
    stub.wait_for(method, in_flight, timeout=120)
    instance.kill()  # mid-message, as a crash would
    first.join(timeout=30)
    stub.clear()
    instance.start()  # started again on the same port, as supervisord does

    statuses, deadline = [], time.monotonic() + RETRY_FOR  # the platform delivers until it gets a 2xx
    while not statuses or statuses[-1] != 200:
        assert time.monotonic() < deadline, f"never acknowledged: {statuses}"
        statuses.append(post(url, body, headers))
        if statuses[-1] != 200:
            assert statuses[-1] == 503, statuses  # "in progress elsewhere", never a 500
            time.sleep(1)
    stub.wait_for(method, to_citizen, timeout=60)  # the citizen is answered

    events = instance.assistant.tracker(sender)["events"]
    stored = [e for e in events if e["event"] == "user" and e.get("message_id") == message_id]
    assert len(stored) == 1, [e.get("text") for e in events if e["event"] == "user"]
    assert stored[0]["text"] == "Bonjour"

    answered = len(stub.calls(method, to_citizen))
    assert post(url, body, headers) == 200  # a further copy is acknowledged…
    time.sleep(1)
    assert len(stub.calls(method, to_citizen)) == answered  # …and not processed again
    events = instance.assistant.tracker(sender)["events"]
    assert sum(e["event"] == "user" and e.get("message_id") == message_id for e in events) == 1
