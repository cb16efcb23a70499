"""Helpers for console tests: a real console process, a stand-in for Rasa, an HTTP client with a session.

The end-to-end handoff test can reuse :func:`start_console` with the handoff database and the URL
of a real Rasa server; the other console tests use :class:`RasaStub`, a loopback HTTP server that
records the ``trigger_intent`` calls the delivery worker makes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa

from bot.console.auth import hash_password
from bot.handoff.store import HandoffStore
from bot.launcher import stop, wait_until_ready
from bot.settings import ROOT

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- databases ----------------------------------------------------------------------------------


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'handoff.db'}"


def postgres_schema_url() -> tuple[str, str]:
    """A fresh schema in the test database (so parallel runs never share tables) and its URL."""
    schema = f"console_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(PG_ADMIN_URL)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable: {error}")
    finally:
        engine.dispose()
    return schema, f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"


def drop_postgres_schema(schema: str) -> None:
    engine = sa.create_engine(PG_ADMIN_URL)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A new, empty handoff database: a SQLite file, or its own PostgreSQL schema."""
    if kind == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield sqlite_url(folder)
        return
    schema, url = postgres_schema_url()
    try:
        yield url
    finally:
        drop_postgres_schema(schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A new, empty handoff database on each backend, for one test."""
    with fresh_database(request.param, tmp_path / "db") as url:
        yield url


# --- a stand-in for Rasa ------------------------------------------------------------------------


class RasaStub:
    """Records ``POST /conversations/<id>/trigger_intent`` calls; answers ``status`` (200 by default)."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.status = 200
        self.arrived = threading.Condition()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = stub.status
                if status == 200:
                    with stub.arrived:
                        stub.calls.append({
                            "path": self.path, "body": json.loads(body or b"{}"), "at": time.time(),
                            "authorization": self.headers.get("Authorization"),
                        })  # fmt: skip
                        stub.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict]:
        """The first ``count`` accepted calls, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.calls) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} calls to Rasa, got {self.calls}")
                self.arrived.wait(remaining)
            return list(self.calls[:count])

    def intents(self) -> list[str]:
        return [call["body"]["name"] for call in self.calls]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rasa_stub() -> Iterator[RasaStub]:
    stub = RasaStub()
    yield stub
    stub.close()


# --- the console process ------------------------------------------------------------------------


class ConsoleServer:
    """A console started as ``make console`` starts it, on a free loopback port."""

    def __init__(self, process: subprocess.Popen, port: int, db_url: str, log: Path) -> None:
        self.process, self.port, self.db_url, self.log = process, port, db_url, log
        self.url = f"http://127.0.0.1:{port}"

    def client(self) -> ConsoleClient:
        return ConsoleClient(self.url)

    def stop(self) -> None:
        stop([self.process])


#: The Rasa API secret the consoles of these tests sign their calls to the stub with.
STUB_RASA_SECRET = "stub-rasa-secret-" + "x" * 32


def start_console(
    db_url: str, rasa_url: str, workdir: Path, extra_env: dict[str, str] | None = None
) -> ConsoleServer:
    """Starts ``python -m bot.ops.console serve`` against ``db_url`` and ``rasa_url``; waits for /health.

    The console signs its Rasa calls with :data:`STUB_RASA_SECRET` unless ``extra_env`` says otherwise.
    """
    port = free_port()
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT), "HANDOFF_DB_URL": db_url, "RASA_URL": rasa_url, "CONSOLE_PORT": str(port),
        "CONSOLE_SECRET_FILE": str(workdir / "console.key"), "SANIC_REGISTER": "False",
        "RASA_TOKEN": STUB_RASA_SECRET,  # a real Rasa's tests pass its RunningAssistant.client_env()
    })  # fmt: skip
    env.pop("RASA_TOKEN_FILE", None)
    env.update(extra_env or {})
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"console-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.ops.console", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/health", timeout=60, process=process)
    except (RuntimeError, TimeoutError) as error:
        stop([process])
        raise RuntimeError(f"console did not start: {error}\n{log.read_text()[-3000:]}") from error
    return ConsoleServer(process, port, db_url, log)


# --- a browser-like client ----------------------------------------------------------------------


class ConsoleClient:
    """Real HTTP with one session cookie, the way a browser on loopback keeps it.

    The session cookie is ``Secure``; Python's cookie jar does not send such cookies over plain
    http (browsers do on loopback), so this client keeps it itself.
    """

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
        self.cookie: str | None = None
        self.csrf: str | None = None

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {"Accept": "text/html"}
        if self.cookie:
            headers["Cookie"] = f"jisr_console={self.cookie}"
        headers.update(extra or {})
        return headers

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            if name.strip() == "jisr_console":
                self.cookie = rest.split(";", 1)[0]
        match = _CSRF.search(response.text) if "html" in response.headers.get("content-type", "") else None
        if match:
            self.csrf = match.group(1)
        return response

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self._keep(self.http.get(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs))

    def post(self, path: str, data: dict | None = None, csrf: bool | str = True, **kwargs) -> httpx.Response:
        form = dict(data or {})
        if csrf is True:
            form["csrf_token"] = self.csrf or ""
        elif isinstance(csrf, str):
            form["csrf_token"] = csrf
        headers = self._headers(kwargs.pop("headers", None))
        return self._keep(self.http.post(path, data=form, headers=headers, **kwargs))

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})

    def close(self) -> None:
        self.http.close()


def add_user(store: HandoffStore, username: str, role: str = "caseworker", display_name: str | None = None):
    return store.add_staff(username, display_name or username.title(), hash_password(PASSWORD), role)


def add_handoff(store: HandoffStore, **overrides):
    values = {
        "conversation_id": f"citizen-{uuid.uuid4().hex[:8]}", "channel": "telegram", "language": "fr",
        "topic": "disability", "priority": "normal", "consent_scope": "summary",
        "summary": {"topic": "disability"},
    }  # fmt: skip
    values.update(overrides)
    return store.create(**values)


class Backend:
    """One running console with its database, its store (for seeding and checks) and its Rasa stub."""

    def __init__(self, db_url: str, console: ConsoleServer, stub: RasaStub, workdir: Path) -> None:
        self.db_url, self.console, self.stub, self.workdir = db_url, console, stub, workdir
        self.store = HandoffStore(db_url)

    def user(self, role: str = "caseworker", name: str | None = None):
        username = name or f"{role[:3]}-{uuid.uuid4().hex[:8]}"
        return add_user(self.store, username, role)

    def logged_in(self, role: str = "caseworker"):
        """A new user of ``role`` and a client logged in as them."""
        user = self.user(role)
        client = self.console.client()
        response = client.login(user.username)
        assert response.status_code == 303, response.text
        client.get("/queue")  # the token of the logged-in session (login issues a new one)
        return user, client

    def calls_for(self, conversation_id: str) -> list[dict]:
        return [c for c in self.stub.calls if f"/conversations/{conversation_id}/" in c["path"]]

    def wait_calls(self, conversation_id: str, count: int, timeout: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_for(conversation_id)
            if len(calls) >= count:
                return calls
            time.sleep(0.05)
        raise AssertionError(
            f"expected {count} calls for {conversation_id}, got {self.calls_for(conversation_id)}"
        )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory) -> Iterator[Backend]:
    """A console on each backend, shared by a test module (tests use their own users and handoffs)."""
    workdir = tmp_path_factory.mktemp(f"console-{request.param}")
    stub = RasaStub()
    with fresh_database(request.param, workdir / "db") as url:
        console = start_console(url, stub.url, workdir, {"RASA_TOKEN": STUB_RASA_SECRET})
        try:
            yield Backend(url, console, stub, workdir)
        finally:
            console.stop()
            stub.close()
