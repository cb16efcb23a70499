"""``make telegram``: the Telegram bot on a laptop, without a public URL (long polling).

Polls ``getUpdates`` with python-telegram-bot and posts each update, with the webhook secret, to
the Telegram webhook of a Rasa server on this machine: every rule of the channel (commands,
buttons, duplicates, quick exit) lives in ``bot.channels.telegram`` and is shared by both modes.
Without ``--rasa-url`` it starts the action server and the Rasa server itself, as ``make run``.
Only ``TELEGRAM_TOKEN`` is needed. Telegram refuses ``getUpdates`` while a webhook is set, so the
webhook is removed first (set it again by starting Rasa with ``TELEGRAM_WEBHOOK_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import subprocess
import sys
from typing import Any

import httpx
from telegram.error import TelegramError

from bot.channels.retry import RetryPolicy, with_retries
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    TelegramSettings,
    group_by_chat,
    make_bot,
    retry_wait,
)
from bot.settings import get_settings

logger = logging.getLogger("bot.channels.telegram_polling")

POLL_SECONDS = 25


async def forward(client: httpx.AsyncClient, webhook_url: str, secret: str, update: dict[str, Any]) -> bool:
    """Posts one update to the webhook; ``True`` once the server took it (any non-5xx answer)."""
    for attempt in range(1, 6):
        try:
            answer = await client.post(webhook_url, json=update, headers={SECRET_HEADER: secret})
            if answer.status_code < 500:
                if answer.status_code >= 400:
                    logger.warning(
                        "Update %s refused by the webhook: %s", update.get("update_id"), answer.status_code
                    )
                return True
        except httpx.HTTPError as error:
            logger.warning("Rasa server not reachable (%s), retry %d", type(error).__name__, attempt)
        await asyncio.sleep(min(2**attempt, 30))
    return False


async def poll(
    settings: TelegramSettings, rasa_url: str, stop: asyncio.Event, poll_seconds: int = POLL_SECONDS
) -> None:
    """Polls until ``stop`` is set; each chat's updates are forwarded in order, chats concurrently."""
    bot = make_bot(settings, read_timeout=poll_seconds + 10)
    policy = RetryPolicy.from_env()
    webhook_url = f"{rasa_url.rstrip('/')}/webhooks/telegram/webhook"
    await with_retries(
        lambda: bot.delete_webhook(drop_pending_updates=False), retry_wait, policy, "telegram deleteWebhook"
    )
    offset: int | None = None
    async with httpx.AsyncClient(timeout=120) as client:
        while not stop.is_set():
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=poll_seconds, allowed_updates=list(ALLOWED_UPDATES)
                )
            except TelegramError as error:
                logger.warning("getUpdates failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(policy.backoff(1) + 1)
                continue
            if not updates:
                continue
            raw = [update.to_dict() for update in updates]

            async def chat_in_order(chat_updates: list[dict[str, Any]]) -> None:
                for update in chat_updates:
                    await forward(client, webhook_url, settings.secret, update)

            await asyncio.gather(*(chat_in_order(group) for group in group_by_chat(raw).values()))
            offset = max(update.update_id for update in updates) + 1


def _start_servers() -> tuple[str, list[subprocess.Popen]]:
    """Action server + Rasa server exactly as ``make run`` starts them."""
    from bot import rasa_api
    from bot.launcher import (
        action_server_command,
        rasa_server_command,
        service_env,
        wait_until_ready,
    )
    from bot.settings import ROOT

    rasa_port, actions_port = get_settings().rasa_port, get_settings().actions_port
    tracker_db = ROOT / "var" / "tracker.db"
    tracker_db.parent.mkdir(parents=True, exist_ok=True)
    env = service_env(actions_port, tracker_db)
    processes = [subprocess.Popen(action_server_command(actions_port), cwd=ROOT, env=env)]
    wait_until_ready(f"http://127.0.0.1:{actions_port}/health", process=processes[0])
    processes.append(subprocess.Popen(rasa_server_command(rasa_port), cwd=ROOT, env=env))
    wait_until_ready(rasa_api.ready_url(f"http://127.0.0.1:{rasa_port}"), process=processes[1])
    return f"http://127.0.0.1:{rasa_port}", processes


def main() -> None:
    """CLI: ``python -m bot.channels.telegram_polling [--rasa-url http://127.0.0.1:5005]``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rasa-url", help="forward to this running Rasa server instead of starting one")
    parser.add_argument("--poll-seconds", type=int, default=POLL_SECONDS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings, missing = TelegramSettings.from_credentials(None)
    if settings is None:
        print(f"Set {', '.join(missing)} first (README, section Channels).", file=sys.stderr)
        sys.exit(2)
    processes: list[subprocess.Popen] = []
    rasa_url = args.rasa_url
    if not rasa_url:
        rasa_url, processes = _start_servers()
    print(f"\nJisr assistant on Telegram (long polling) via {rasa_url}. Stop: Ctrl-C\n", flush=True)
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        task = asyncio.create_task(poll(settings, rasa_url, stop, args.poll_seconds))
        await stop.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    try:
        asyncio.run(run())
    finally:
        if processes:
            from bot.launcher import stop as stop_processes

            stop_processes(processes)


if __name__ == "__main__":
    main()
