"""Starts a Rasa server + action server pair with a test's own settings (env, credentials)."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bot import rasa_api
from bot.launcher import action_server_command, rasa_server_command, service_env, stop, wait_until_ready
from bot.settings import ROOT
from bot.training import MODEL_FILE
from tests.conftest import RunningAssistant, free_port


@contextmanager
def live_assistant(
    workdir: Path, env: dict[str, str], credentials: Path | None = None
) -> Iterator[RunningAssistant]:
    """A running assistant whose tracker store and handoff database live in ``workdir``."""
    rasa_port, actions_port = free_port(), free_port()
    tracker_db = workdir / "tracker.db"
    process_env = service_env(actions_port, tracker_db)
    for name in [n for n in process_env if n.startswith(("TELEGRAM_", "WHATSAPP_"))]:
        del process_env[
            name
        ]  # a developer's real bot credentials never reach test servers (tests may set their own)
    process_env.update(
        {
            "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "TRACKER_DB": str(tracker_db),
            "HANDOFF_DB": str(workdir / "handoff.db"),
            rasa_api.TOKEN_FILE_ENV: str(rasa_api.ensure_token_file(workdir / "rasa_api.token")),
            **env,
        }
    )
    if rasa_api.TOKEN_ENV not in env:
        process_env.pop(rasa_api.TOKEN_ENV, None)  # the file above, unless the test sets its own
    extra = ["--debug"] + (["--credentials", str(credentials)] if credentials else [])
    processes: list[subprocess.Popen] = []
    try:
        processes.append(
            subprocess.Popen(
                action_server_command(actions_port), cwd=ROOT, env=process_env,
                stdout=(workdir / "actions.log").open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        wait_until_ready(f"http://127.0.0.1:{actions_port}/health", process=processes[0])
        processes.append(
            subprocess.Popen(
                rasa_server_command(rasa_port, MODEL_FILE, extra), cwd=ROOT, env=process_env,
                stdout=(workdir / "rasa.log").open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        wait_until_ready(
            rasa_api.ready_url(f"http://127.0.0.1:{rasa_port}"), timeout=300, process=processes[1]
        )
        yield RunningAssistant(rasa_port, tracker_db, workdir / "rasa.log", process_env)
    finally:
        stop(processes)


class Receiver:
    """A local HTTP endpoint standing in for a citizen's push-capable client (Rasa's callback channel)."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.arrived:
                    receiver.messages.append(json.loads(body or b"{}"))
                    receiver.arrived.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout: float = 30.0) -> dict:
        """The first received message matching ``predicate``; fails after ``timeout`` seconds."""
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: next((m for m in self.messages if predicate(m)), None), timeout
            )
        assert found, f"no matching message in {self.messages}"
        return found

    def close(self) -> None:
        self.server.shutdown()
