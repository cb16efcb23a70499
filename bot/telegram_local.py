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

from bot.channels.telegram import TelegramSettings
from bot.channels.telegram_polling import POLL_SECONDS, poll
from bot.settings import get_settings


def start_servers() -> tuple[str, list[subprocess.Popen]]:
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
    """CLI: ``python -m bot.telegram_local [--rasa-url http://127.0.0.1:5005]``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rasa-url", help="forward to this running Rasa server instead of starting one")
    parser.add_argument("--poll-seconds", type=int, default=POLL_SECONDS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings, missing = TelegramSettings.from_credentials(None)
    if settings is None:
        print(f"Set {', '.join(missing)} first (docs/channels.md).", file=sys.stderr)
        sys.exit(2)
    processes: list[subprocess.Popen] = []
    rasa_url = args.rasa_url
    if not rasa_url:
        rasa_url, processes = start_servers()
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
