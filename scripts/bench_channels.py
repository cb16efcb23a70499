"""`make bench-channels`: the Telegram and WhatsApp channels on one Rasa instance, local API stub.

Prints the webhook-to-reply latency (update posted → the channel's first API call carrying the
reply reaches the stub) p50/p95 for each channel, one message at a time, and the throughput of
one Rasa instance on the Telegram webhook with 50 chats writing concurrently (each chat waits for
its answer before the next message, as a person does). The REST channel on the same messages is
the baseline: the difference is what the messaging channels add. The Bot API and Graph API are replaced by
the local stub of the tests, so the numbers measure the assistant, not the network to Telegram/Meta.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bot import rasa_api
from bot.launcher import action_server_command, rasa_server_command, service_env, stop, wait_until_ready
from bot.settings import ROOT
from bot.training import MODEL_FILE
from scripts.bench import percentile
from tests.channel_api_stub import ApiStub
from tests.conftest import free_port

TOKEN, SECRET, APP_SECRET, PHONE_ID = "1:bench", "bench-secret", "bench-app-secret", "1055"
MESSAGES = [
    "/start",
    "Bonjour",
    "bghit nl9a markaz dyal l3ajaza f Tanja",
    "كيفاش نخرج بطاقة الإعاقة",
    "Quelles sont les aides sociales directes ?",
    "شكرا بزاف",
]
LATENCY_SAMPLES = 60
CONCURRENT_CHATS = 50
MESSAGES_PER_CHAT = 6


def _env(stub: ApiStub, actions_port: int, tmp: Path) -> dict[str, str]:
    env = service_env(actions_port, tmp / "tracker.db")
    env.update(
        ACTION_SERVER_URL=f"http://127.0.0.1:{actions_port}/webhook",
        TRACKER_DB=str(tmp / "tracker.db"),
        CHANNELS_DB=str(tmp / "channels.db"),
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_URL=stub.url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        WHATSAPP_ACCESS_TOKEN="bench",
        WHATSAPP_PHONE_NUMBER_ID=PHONE_ID,
        WHATSAPP_APP_SECRET=APP_SECRET,
        WHATSAPP_VERIFY_TOKEN="bench",
        WHATSAPP_API_URL=stub.url,
    )
    env.pop("CHANNELS_DB_URL", None)
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    return env


class Sender:
    """Builds and posts updates; ids are unique for the whole run."""

    def __init__(self, client: httpx.AsyncClient, rasa_url: str) -> None:
        self.client = client
        self.rasa_url = rasa_url
        self.next_id = 1

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    async def telegram(self, chat: int, text: str) -> float:
        update = {
            "update_id": self._id(),
            "message": {
                "message_id": self._id(),
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "B", "language_code": "fr"},
                "text": text,
            },
        }
        started = time.perf_counter()
        answer = await self.client.post(
            f"{self.rasa_url}/webhooks/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        answer.raise_for_status()
        return started

    async def rest(self, sender: str, text: str) -> float:
        started = time.perf_counter()
        answer = await self.client.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        answer.raise_for_status()
        return started

    async def whatsapp(self, wa_id: str, text: str) -> float:
        message = {"from": wa_id, "id": f"wamid.{self._id()}", "timestamp": str(int(time.time())),
                   "type": "text", "text": {"body": text}}  # fmt: skip
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"phone_number_id": PHONE_ID},
            "messages": [message],
        }
        notification = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "W", "changes": [{"field": "messages", "value": value}]}],
        }
        body = json.dumps(notification).encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        started = time.perf_counter()
        answer = await self.client.post(
            f"{self.rasa_url}/webhooks/whatsapp/webhook",
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        )
        answer.raise_for_status()
        return started


def _first_reply_at(stub: ApiStub, method: str, match: Any, after: float) -> float | None:
    found = [c.at for c in stub.calls(method, lambda c: match(c) and c.at >= after)]
    return min(found) if found else None


async def latencies(stub: ApiStub, sender: Sender) -> dict[str, list[float]]:
    """Sequential messages; each latency is post → first reply call at the stub."""
    results: dict[str, list[float]] = {"telegram": [], "whatsapp": [], "rest": []}
    for number in range(LATENCY_SAMPLES):
        text = MESSAGES[number % len(MESSAGES)]
        started = await sender.rest(f"bench-{number // len(MESSAGES)}", text)
        results["rest"].append(time.perf_counter() - started)  # the baseline: reply inside the response
        chat = 10_000 + number // len(MESSAGES)
        started = await sender.telegram(chat, text)
        at = _first_reply_at(
            stub, "sendMessage", lambda c, chat=chat: c.params.get("chat_id") == chat, started
        )
        if at is not None:
            results["telegram"].append(at - started)
        wa_id = str(212600000000 + number // len(MESSAGES))
        started = await sender.whatsapp(wa_id, text)
        match = lambda c, wa_id=wa_id: c.params.get("to") == wa_id  # noqa: E731
        at = _first_reply_at(stub, "messages", match, started)
        if at is not None:
            results["whatsapp"].append(at - started)
    return results


async def throughput(sender: Sender, channel: str = "telegram") -> tuple[float, int, list[float]]:
    """50 chats at once on one webhook: messages per second and per-message round trips."""
    round_trips: list[float] = []

    async def chat(number: int) -> None:
        for text in MESSAGES[:MESSAGES_PER_CHAT]:
            if channel == "telegram":
                started = await sender.telegram(50_000 + number, text)
            else:
                started = await sender.rest(f"bench-load-{number}", text)
            round_trips.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(chat(n) for n in range(CONCURRENT_CHATS)))
    elapsed = time.perf_counter() - started
    return len(round_trips) / elapsed, len(round_trips), round_trips


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.0f} ms" if values else "n/a"


async def measure(stub: ApiStub, rasa_url: str) -> None:
    limits = httpx.Limits(max_connections=CONCURRENT_CHATS + 10)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        sender = Sender(client, rasa_url)
        for warm_up in range(3):
            await sender.telegram(1 + warm_up, "Bonjour")
            await sender.whatsapp(str(212700000000 + warm_up), "Bonjour")
        results = await latencies(stub, sender)
        for channel, values in results.items():
            print(f"{channel:9s} webhook-to-reply latency ({len(values)} messages, one at a time): "
                  f"p50 {_ms(values, 50)}, p95 {_ms(values, 95)}")  # fmt: skip
        for channel in ("telegram", "rest"):
            rate, count, round_trips = await throughput(sender, channel)
            print(f"{channel:9s} throughput, one Rasa instance, {CONCURRENT_CHATS} concurrent chats: "
                  f"{rate:.1f} messages/s ({count} messages); webhook round trip under load "
                  f"p50 {_ms(round_trips, 50)}, p95 {_ms(round_trips, 95)}")  # fmt: skip
        print(f"(load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def main() -> None:
    stub = ApiStub().start()
    rasa_port, actions_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(stub, actions_port, Path(tmp))
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT, "env": env}
        processes = [subprocess.Popen(action_server_command(actions_port), **quiet)]
        try:
            wait_until_ready(f"http://127.0.0.1:{actions_port}/health", process=processes[0])
            processes.append(subprocess.Popen(rasa_server_command(rasa_port, MODEL_FILE), **quiet))
            wait_until_ready(
                rasa_api.ready_url(f"http://127.0.0.1:{rasa_port}"), timeout=300, process=processes[1]
            )
            asyncio.run(measure(stub, f"http://127.0.0.1:{rasa_port}"))
        finally:
            stop(processes)
            stub.stop()


if __name__ == "__main__":
    main()
