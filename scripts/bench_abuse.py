"""`make bench-abuse`: do ordinary citizens still get quick answers while one client abuses a channel?

For each channel, 20 ordinary citizens write at a person's pace (a short message, a reply, a pause
of about a second, five messages each), first alone, then while one client sends maximal messages
(200 kB of digits and words, the worst case for the length cap, NLU and redaction) back to back on
the same channel. Prints p50/p95 of the ordinary citizens' reply time in both phases. The reply
time is the channel's round trip: REST answers in the response; the Telegram and WhatsApp webhooks
answer once the turn is processed and the reply sent to the local API stub.

Channels are plug-ins (``CHANNELS``): one class with ``send(conversation, text)`` per channel.
A last phase measures the REST citizens while a web chat (socket.io) client, inside the callback
form, sends a 15,000-digit "phone number" (the longest a web chat
packet carries) every two seconds: a turn that re-redacted the whole form history on the
event loop would hold up every other conversation.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Protocol

from bot import rasa_api
from bot.launcher import action_server_command, rasa_server_command, service_env, stop, wait_until_ready
from bot.settings import ROOT
from bot.training import MODEL_FILE
from scripts.bench import percentile
from tests.channel_api_stub import ApiStub
from tests.channel_clients import (
    WebChatClient,
    post_json,
    post_telegram,
    post_whatsapp,
    telegram_text_update,
    whatsapp_text_notification,
)
from tests.conftest import free_port

CITIZENS = 20
MESSAGES_PER_CITIZEN = 5
PAUSE_SECONDS = (0.5, 1.5)  # between a reply and the next message, as a person types
ORDINARY = [
    "salam",
    "bghit nl9a markaz dyal l3ajaza f Tanja",
    "كيفاش نخرج بطاقة الإعاقة",
    "Quelles sont les aides sociales directes ?",
    "شكرا بزاف",
]
OVERSIZED = ("0612345678" * 10_000) + ("bghit nhder m3a chi wa7ed " * 4_000)  # ~200 kB
DIGITS = "0123456789" * 1_500  # the longest digit run a web chat packet (16 KiB at most) carries
CALLBACK_FORM = [
    "Je voudrais parler à une personne, pas à un robot",
    '/inform{"share_scope": "summary"}',
    "/affirm",
]
TELEGRAM_TOKEN, TELEGRAM_SECRET = "1:bench-abuse", "bench-abuse-secret"
WHATSAPP_APP_SECRET, WHATSAPP_PHONE_ID = "bench-abuse-app-secret", "3099"


class Channel(Protocol):
    """One way in: sends a message and returns once the assistant has answered it."""

    name: str

    def send(self, conversation: int, text: str) -> bool: ...


class Rest:
    name = "REST"

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, conversation: int, text: str) -> bool:
        body = json.dumps({"sender": f"abuse-{conversation}", "message": text}).encode()
        return post_json(f"{self.url}/webhooks/rest/webhook", body, timeout=600)[0] == 200


class Telegram:
    name = "Telegram"

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, conversation: int, text: str) -> bool:
        update = telegram_text_update(10_000_000 + conversation, text)
        return post_telegram(self.url, update, TELEGRAM_SECRET, timeout=600) == 200


class WhatsApp:
    name = "WhatsApp"

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, conversation: int, text: str) -> bool:
        body = whatsapp_text_notification(str(212600000000 + conversation), text, WHATSAPP_PHONE_ID)
        return post_whatsapp(self.url, body, WHATSAPP_APP_SECRET, timeout=600) == 200


#: Channel factories, given the Rasa server's URL; add web chat here when its channel is in.
CHANNELS: list[Callable[[str], Channel]] = [Rest, Telegram, WhatsApp]


def citizens(channel: Channel, first_conversation: int) -> list[float]:
    """Reply times of the ordinary citizens, all writing at once at a person's pace."""
    times: list[float] = []
    lock = threading.Lock()

    def citizen(number: int) -> None:
        rng = random.Random(number)
        time.sleep(rng.uniform(*PAUSE_SECONDS))
        for text in ORDINARY[:MESSAGES_PER_CITIZEN]:
            started = time.perf_counter()
            if not channel.send(first_conversation + number, text):
                raise RuntimeError(f"{channel.name}: a citizen's message was refused")
            with lock:
                times.append(time.perf_counter() - started)
            time.sleep(rng.uniform(*PAUSE_SECONDS))

    with ThreadPoolExecutor(max_workers=CITIZENS) as pool:
        list(pool.map(citizen, range(CITIZENS)))
    return times


def under_attack(channel: Channel, first_conversation: int) -> tuple[list[float], int]:
    """The citizens' reply times while one client sends oversized messages back to back."""
    done = threading.Event()
    sent = [0]

    def attacker() -> None:
        while not done.is_set():
            channel.send(999_999, OVERSIZED)  # refused (413) or cut: either way the next one follows
            sent[0] += 1

    thread = threading.Thread(target=attacker, daemon=True)
    thread.start()
    time.sleep(1.0)
    try:
        return citizens(channel, first_conversation), sent[0]
    finally:
        done.set()
        thread.join(timeout=600)


def under_digit_flood(url: str, tracker_db: Path) -> tuple[list[float], int]:
    """REST citizens' reply times while a web chat client floods the callback form with digits."""
    session = f"bench-flood-{random.randrange(10**9)}"
    client = WebChatClient(url, session)
    session = client.session_id  # the conversation the server opened
    for count, text in enumerate(CALLBACK_FORM, start=1):
        client.send(text)
        _wait_stored(tracker_db, session, count)
    done, sent = threading.Event(), [0]

    def flood() -> None:
        while not done.wait(2.0):
            try:
                client.send(DIGITS)
            except Exception:  # the server dropped the client (a stalled server misses its pings)
                return
            sent[0] += 1

    thread = threading.Thread(target=flood, daemon=True)
    thread.start()
    time.sleep(2.5)
    try:
        return citizens(Rest(url), 900_000), sent[0]
    finally:
        done.set()
        thread.join(timeout=10)
        client.close()


def _wait_stored(tracker_db: Path, sender: str, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(tracker_db) as db:
            stored = db.execute(
                "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
            ).fetchone()[0]
        if stored >= count:
            return
        time.sleep(0.2)
    raise RuntimeError(f"web chat message {count} was not processed")


def _env(stub: ApiStub, actions_port: int, tmp: Path) -> dict[str, str]:
    env = service_env(actions_port, tmp / "tracker.db")
    for name in [n for n in env if n.startswith(("TELEGRAM_", "WHATSAPP_"))]:
        del env[name]
    env.update(
        ACTION_SERVER_URL=f"http://127.0.0.1:{actions_port}/webhook",
        TRACKER_DB=str(tmp / "tracker.db"),
        HANDOFF_DB=str(tmp / "handoff.db"),
        CHANNELS_DB=str(tmp / "channels.db"),
        TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_API_URL=stub.url,
        TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        WHATSAPP_ACCESS_TOKEN="bench-abuse",
        WHATSAPP_PHONE_NUMBER_ID=WHATSAPP_PHONE_ID,
        WHATSAPP_APP_SECRET=WHATSAPP_APP_SECRET,
        WHATSAPP_VERIFY_TOKEN="bench-abuse",
        WHATSAPP_API_URL=stub.url,
    )
    env.pop("CHANNELS_DB_URL", None)
    return env


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:6.0f} ms" if values else "   n/a"


def measure(url: str, tracker_db: Path) -> None:
    print(f"{CITIZENS} citizens × {MESSAGES_PER_CITIZEN} messages, pause {PAUSE_SECONDS[0]}–{PAUSE_SECONDS[1]} s;"
          f" attacker: {len(OVERSIZED) // 1000} kB messages back to back")  # fmt: skip
    print(f"{'channel':9s} {'phase':14s} {'p50':>9s} {'p95':>9s}  messages")
    citizens(CHANNELS[0](url), 500_000)  # warm-up round, not reported: the first one after start is slow
    for number, factory in enumerate(CHANNELS):
        channel = factory(url)
        for warm_up in range(3):
            channel.send(900_000 + warm_up, "salam")
        alone = citizens(channel, 1_000 * (2 * number + 1))
        print(f"{channel.name:9s} {'alone':14s} {_ms(alone, 50)} {_ms(alone, 95)}  {len(alone)}")
        attacked, oversized = under_attack(channel, 1_000 * (2 * number + 2))
        print(f"{channel.name:9s} {'under attack':14s} {_ms(attacked, 50)} {_ms(attacked, 95)}  "
              f"{len(attacked)} (attacker sent {oversized} oversized)")  # fmt: skip
    flooded, digits_sent = under_digit_flood(url, tracker_db)
    print(f"{'REST':9s} {'digit flood':14s} {_ms(flooded, 50)} {_ms(flooded, 95)}  "
          f"{len(flooded)} (web chat client in the callback form sent {digits_sent} × 15 k digits)")  # fmt: skip
    print(f"(load average after measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def main() -> None:
    stub = ApiStub().start()
    rasa_port, actions_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(stub, actions_port, Path(tmp))
        processes = []
        try:
            processes.append(subprocess.Popen(action_server_command(actions_port), cwd=ROOT, env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
            wait_until_ready(f"http://127.0.0.1:{actions_port}/health", process=processes[0])
            processes.append(subprocess.Popen(rasa_server_command(rasa_port, MODEL_FILE), cwd=ROOT, env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
            wait_until_ready(
                rasa_api.ready_url(f"http://127.0.0.1:{rasa_port}"), timeout=300, process=processes[1]
            )
            measure(f"http://127.0.0.1:{rasa_port}", Path(tmp) / "tracker.db")
        finally:
            stop(processes)
            stub.stop()


if __name__ == "__main__":
    main()
