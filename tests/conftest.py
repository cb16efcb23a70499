"""Shared fixtures: the trained model and real servers on loopback.

`make test` trains the model first (only when inputs changed); in CI a missing model is an error,
never a skip.
"""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from bot import rasa_api
from bot.launcher import action_server_command, rasa_server_command, service_env, stop, wait_until_ready
from bot.settings import ROOT
from bot.training import MODEL_FILE

SCREENSHOTS_DEFAULT = ROOT / "reports" / "tmp"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Browser tests save screenshots in an ignored folder, so a test run leaves tracked files alone.

    `make docs-images` passes ``--screenshots reports`` to refresh the pictures the docs show.
    """
    parser.addoption(
        "--screenshots",
        default=str(SCREENSHOTS_DEFAULT),
        help="folder for browser screenshots (default reports/tmp, ignored by git)",
    )


@pytest.fixture(scope="session")
def screenshots(pytestconfig: pytest.Config) -> Path:
    """Where browser tests write their screenshots (created on demand)."""
    folder = Path(pytestconfig.getoption("screenshots"))
    folder = folder if folder.is_absolute() else ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def model_path() -> Path:
    if not MODEL_FILE.exists():
        pytest.fail(f"No trained model at {MODEL_FILE}: run `make train` (make test does it).")
    return MODEL_FILE


class RunningAssistant:
    """A Rasa server + action server pair started exactly as `make run` starts them.

    Calls to Rasa's HTTP API go through :meth:`api` (or :meth:`api_headers`), which adds the token.
    """

    def __init__(
        self, rasa_port: int, tracker_db: Path, log_file: Path, env: dict[str, str] | None = None
    ) -> None:
        self.url = f"http://127.0.0.1:{rasa_port}"
        self.tracker_db = tracker_db
        self.log_file = log_file
        self.env = env  # the servers' environment (its RASA_TOKEN / RASA_TOKEN_FILE signs API calls)

    def api_headers(self, conversation_id: str | None = None) -> dict[str, str]:
        """The ``Authorization`` header for one call to Rasa's HTTP API."""
        return rasa_api.auth_headers(self.env, conversation_id)

    def client_env(self) -> dict[str, str]:
        """Environment for another process that calls this Rasa's HTTP API (e.g. the console)."""
        return {rasa_api.TOKEN_ENV: rasa_api.api_secret(self.env)}

    def api(
        self, method: str, path: str, body: dict | list | None = None, timeout: float = 60
    ) -> tuple[int, bytes]:
        """One authenticated call to Rasa's HTTP API (``path`` such as ``/conversations/x/tracker``)."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **self.api_headers()},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def post_raw(self, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook", data=body, headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def say(self, sender: str, text: str) -> list[dict]:
        status, body = self.post_raw(json.dumps({"sender": sender, "message": text}).encode())
        assert status == 200, body
        return json.loads(body)

    def parse(self, text: str) -> dict:
        status, body = self.api("POST", "/model/parse", {"text": text})
        assert status == 200, body
        return json.loads(body)

    def tracker(self, sender: str) -> dict:
        status, body = self.api("GET", f"/conversations/{sender}/tracker", timeout=30)
        assert status == 200, body
        return json.loads(body)

    def append_events(self, sender: str, events: list[dict]) -> None:
        """Stores ``events`` in ``sender``'s conversation (sets up another channel's conversation)."""
        status, body = self.api("POST", f"/conversations/{sender}/tracker/events", events)
        assert status == 200, body

    def trigger_intent(self, sender: str, intent: str, entities: dict | None = None) -> None:
        """Runs ``intent`` in ``sender``'s conversation; replies go to its latest channel (a push)."""
        status, body = self.api(
            "POST", f"/conversations/{sender}/trigger_intent?output_channel=latest",
            {"name": intent, "entities": entities or {}},
        )  # fmt: skip
        assert status == 200, body


@pytest.fixture(scope="session")
def assistant(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    rasa_port, actions_port = free_port(), free_port()
    tracker_db = tmp_path_factory.mktemp("tracker") / "tracker.db"
    env = service_env(actions_port, tracker_db)
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{actions_port}/webhook"
    env["TRACKER_DB"] = str(tracker_db)
    for name in [n for n in env if n.startswith(("TELEGRAM_", "WHATSAPP_"))]:
        del env[name]  # a developer's real bot credentials must never reach the test servers
    env["HANDOFF_DB"] = str(tracker_db.with_name("handoff.db"))
    env.pop(rasa_api.TOKEN_ENV, None)  # a secret of the test run's own, like an installation's
    env[rasa_api.TOKEN_FILE_ENV] = str(rasa_api.ensure_token_file(tracker_db.with_name("rasa_api.token")))
    logs = tmp_path_factory.mktemp("logs")
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                action_server_command(actions_port), cwd=ROOT, env=env,
                stdout=(logs / "actions.log").open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        wait_until_ready(f"http://127.0.0.1:{actions_port}/health", process=processes[0])
        processes.append(
            subprocess.Popen(
                rasa_server_command(rasa_port, model_path, ["--debug"]), cwd=ROOT, env=env,
                stdout=(logs / "rasa.log").open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        wait_until_ready(
            rasa_api.ready_url(f"http://127.0.0.1:{rasa_port}"), timeout=300, process=processes[1]
        )
        yield RunningAssistant(rasa_port, tracker_db, logs / "rasa.log", env)
    finally:
        stop(processes)
