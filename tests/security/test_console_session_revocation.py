"""Attack: a caseworker's session cookie, copied from a shared or stolen computer, keeps working after
the caseworker logged out, changed the password or was deactivated, and an open live-update stream
keeps showing the queue.

Real console process, real HTTP, the real administration CLI.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from bot.handoff.store import HandoffStore
from bot.settings import ROOT
from tests.console_support import ConsoleServer, RasaStub, add_user, sqlite_url, start_console

#: Revocation must reach open streams within this many seconds.
WITHIN_SECONDS = 5.0


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[tuple[ConsoleServer, HandoffStore]]:
    workdir = tmp_path_factory.mktemp("revocation")
    stub = RasaStub()
    server = start_console(sqlite_url(workdir), stub.url, workdir)
    try:
        yield server, HandoffStore(sqlite_url(workdir))
    finally:
        server.stop()
        stub.close()


class Stream:
    """A live-update stream read in the background, as a browser tab keeps it open."""

    def __init__(self, url: str, cookie: str) -> None:
        self.opened = threading.Event()
        self.ended_at: float | None = None
        self.status: int | None = None
        self.thread = threading.Thread(target=self._read, args=(url, cookie), daemon=True)
        self.thread.start()
        assert self.opened.wait(10), "the stream did not open"

    def _read(self, url: str, cookie: str) -> None:
        headers = {"Cookie": f"jisr_console={cookie}", "Accept": "text/event-stream"}
        try:
            with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(60, read=60)) as response:
                self.status = response.status_code
                self.opened.set()
                for _chunk in response.iter_raw():
                    pass
        except httpx.HTTPError:
            pass
        finally:
            self.ended_at = time.monotonic()
            self.opened.set()

    def ended_within(self, seconds: float) -> bool:
        self.thread.join(seconds)
        return not self.thread.is_alive()


def logged_in(console: ConsoleServer, store: HandoffStore):
    user = add_user(store, f"cw-{uuid.uuid4().hex[:8]}")
    client = console.client()
    assert client.login(user.username).status_code == 303
    client.get("/queue")
    return user, client


def copied_cookie_works(console: ConsoleServer, cookie: str) -> bool:
    response = httpx.get(
        f"{console.url}/queue/rows", headers={"Cookie": f"jisr_console={cookie}"}, timeout=30
    )
    return response.status_code == 200


def cli(store_url: str, *args: str, stdin: str = "") -> None:
    subprocess.run(
        [sys.executable, "-m", "bot.ops.console", "--db", store_url, *args], cwd=ROOT, input=stdin,
        text=True, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def revoked_everywhere(console: ConsoleServer, cookie: str, stream: Stream) -> None:
    assert stream.ended_within(WITHIN_SECONDS), "the open live-update stream kept running"
    assert not copied_cookie_works(console, cookie), "the copied session cookie still works"


def test_logout_ends_every_session_of_the_user(console):
    server, store = console
    _user, client = logged_in(server, store)
    stolen = client.cookie
    stream = Stream(f"{server.url}/queue/events", stolen)
    assert stream.status == 200 and copied_cookie_works(server, stolen)
    assert client.post("/logout").status_code == 303
    revoked_everywhere(server, stolen, stream)


def test_a_password_change_ends_every_session(console):
    server, store = console
    user, client = logged_in(server, store)
    stream = Stream(f"{server.url}/queue/events", client.cookie)
    cli(server.db_url, "set-password", "--username", user.username, "--password-stdin",
        stdin="a brand new passphrase\n")  # fmt: skip
    revoked_everywhere(server, client.cookie, stream)
    fresh = server.client()
    assert fresh.login(user.username, "a brand new passphrase").status_code == 303


def test_deactivation_ends_every_session_and_stream(console):
    server, store = console
    user, client = logged_in(server, store)
    stream = Stream(f"{server.url}/queue/events", client.cookie)
    cli(server.db_url, "deactivate", "--username", user.username)
    revoked_everywhere(server, client.cookie, stream)
