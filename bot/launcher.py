"""Starts the action server and the Rasa server together; Ctrl-C or SIGTERM stops both cleanly.

Used by `make run` and by the test suite, so the processes tests talk to are started exactly
as a user starts them.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot import rasa_api
from bot.settings import ROOT, get_settings
from bot.training import MODEL_FILE

#: Largest request body the Rasa server reads (Sanic's default is 100 MB). Channel webhooks have a
#: tighter limit of their own (``CHANNEL_MAX_BODY_BYTES``); this one guards every other endpoint.
REQUEST_MAX_BYTES = 1024 * 1024


def request_limits(env: dict[str, str]) -> dict[str, str]:
    """``env`` with Sanic's request body limit (``SANIC_REQUEST_MAX_SIZE``) unless already set."""
    env.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_BYTES))
    return env


def service_env(actions_port: int, tracker_db: Path) -> dict[str, str]:
    """Environment shared by both processes (embedded defaults unless already set)."""
    env = dict(os.environ)
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{actions_port}/webhook")
    env.setdefault("TRACKER_DB", str(tracker_db))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("SANIC_REGISTER", "False")
    if not env.get(rasa_api.TOKEN_ENV):  # the HTTP API never runs open: one random secret per install
        env.setdefault(rasa_api.TOKEN_FILE_ENV, str(rasa_api.ensure_token_file()))
    return request_limits(env)


def action_server_command(port: int) -> list[str]:
    """The rasa-sdk action server serving the ``actions`` package."""
    return [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]


def rasa_server_command(port: int, model: Path = MODEL_FILE, extra: list[str] | None = None) -> list[str]:
    """The Rasa server with the REST channel and the HTTP API (token required) bound to loopback."""
    return [
        sys.executable, "-m", "bot.ops.rasa_server", "run",
        "--model", str(model), "--port", str(port), "--interface", "127.0.0.1",
        "--enable-api", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        *(extra or []),
    ]  # fmt: skip


def wait_until_ready(url: str, timeout: float = 180.0, process: subprocess.Popen | None = None) -> None:
    """Polls ``url`` until it answers 200, or raises with the reason."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {timeout:.0f}s")


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGINT, then SIGTERM, then SIGKILL, so servers flush and exit."""
    for sig, grace in ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        alive = [p for p in processes if p.poll() is None]
        for process in alive:
            process.send_signal(sig)
        deadline = time.monotonic() + grace
        while any(p.poll() is None for p in alive) and time.monotonic() < deadline:
            time.sleep(0.2)


class StopRequested(Exception):
    """SIGTERM arrived (systemd, Docker and CI stop a service with it): stop like Ctrl-C does."""


def _stop_requested(_signum: int, _frame: object) -> None:
    raise StopRequested


def stop_on_sigterm() -> None:
    """SIGTERM ends the wait of the main thread with :class:`StopRequested`, as Ctrl-C does."""
    signal.signal(signal.SIGTERM, _stop_requested)


def stop_uninterrupted(processes: list[subprocess.Popen]) -> None:
    """:func:`stop`, ignoring a second Ctrl-C or SIGTERM so that no child is left behind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stop(processes)


def main() -> None:
    """CLI: ``python -m bot.launcher [--port 5005] [--actions-port 5055]``."""
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=settings.rasa_port)
    parser.add_argument("--actions-port", type=int, default=settings.actions_port)
    parser.add_argument("--tracker-db", type=Path, default=ROOT / "var" / "tracker.db")
    parser.add_argument("--console-port", type=int, default=settings.console_port)
    parser.add_argument("--no-console", action="store_true", help="do not start the caseworker console")
    args = parser.parse_args()
    args.tracker_db.parent.mkdir(parents=True, exist_ok=True)
    env = service_env(args.actions_port, args.tracker_db)
    stop_on_sigterm()
    processes = [subprocess.Popen(action_server_command(args.actions_port), cwd=ROOT, env=env)]
    try:
        wait_until_ready(f"http://127.0.0.1:{args.actions_port}/health", process=processes[0])
        processes.append(subprocess.Popen(rasa_server_command(args.port), cwd=ROOT, env=env))
        wait_until_ready(rasa_api.ready_url(f"http://127.0.0.1:{args.port}"), process=processes[1])
        console_line = ""
        if not args.no_console:
            console_env = {**env, "CONSOLE_PORT": str(args.console_port)}
            console_env.setdefault("RASA_URL", f"http://127.0.0.1:{args.port}")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot.ops.console", "serve"], cwd=ROOT, env=console_env
                )
            )
            wait_until_ready(f"http://127.0.0.1:{args.console_port}/health", process=processes[-1])
            console_line = (
                f"  Caseworker console: http://127.0.0.1:{args.console_port}/"
                f" (first user: make console-user USERNAME=name ROLE=supervisor)\n"
            )
        print(
            f"\nJisr assistant ready.\n  REST channel: POST http://127.0.0.1:{args.port}/webhooks/rest/webhook\n"
            f"{console_line}  Talk to it in the terminal: make shell\n  Stop: Ctrl-C\n",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except (KeyboardInterrupt, StopRequested):
        pass
    finally:
        stop_uninterrupted(processes)


if __name__ == "__main__":
    main()
