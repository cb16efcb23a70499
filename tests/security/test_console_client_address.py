"""Attacks on the console's login rate limit behind the production proxy (real nginx, real console).

Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3 …), which nginx sees as
different client addresses, as it would see different machines.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from bot.console.auth import MAX_FAILURES_PER_ADDRESS
from bot.handoff.store import HandoffStore
from bot.launcher import stop, wait_until_ready
from bot.ops import nginx
from tests.conftest import free_port
from tests.console_support import PASSWORD, ConsoleClient, RasaStub, add_user, sqlite_url, start_console


@dataclass
class Proxied:
    console_url: str  # the console itself (loopback)
    proxy_url: str  # nginx in front of it, as in the production profile
    store: HandoffStore


@pytest.fixture(scope="module")
def proxied(tmp_path_factory) -> Iterator[Proxied]:
    if nginx.nginx_binary() is None:
        pytest.fail("nginx is missing: run `bash scripts/ensure_nginx.sh`")
    workdir = tmp_path_factory.mktemp("proxied-console")
    stub = RasaStub()
    console = start_console(sqlite_url(workdir), stub.url, workdir, {"CONSOLE_TRUSTED_PROXIES": "127.0.0.1"})
    ports = nginx.ProxyPorts(public=free_port(), api=free_port(), console=free_port(), actions=free_port())
    config = nginx.write_config(workdir / "nginx", ports, [free_port()], [free_port()], [console.port])
    proxy = subprocess.Popen(nginx.command(config), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(f"http://127.0.0.1:{ports.console}/health", timeout=30, process=proxy)
        yield Proxied(console.url, f"http://127.0.0.1:{ports.console}", HandoffStore(sqlite_url(workdir)))
    finally:
        stop([proxy])
        console.stop()
        stub.close()


def client_from(base_url: str, source_address: str) -> ConsoleClient:
    """A browser on another machine: its connections come from ``source_address``."""
    client = ConsoleClient(base_url)
    client.http = httpx.Client(
        base_url=base_url, follow_redirects=False, timeout=30,
        transport=httpx.HTTPTransport(local_address=source_address),
    )  # fmt: skip
    return client


def wrong_logins(client: ConsoleClient, count: int, headers: dict | None = None) -> list[int]:
    """``count`` failed logins, each on another username (the per-username limit is not what is tested)."""
    statuses = []
    for _ in range(count):
        client.get("/login")
        spoof = {name: value() for name, value in (headers or {}).items()}
        data = {"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "wrong password"}
        statuses.append(client.post("/login", data, headers=spoof).status_code)
    return statuses


def random_address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def test_one_guesser_behind_the_proxy_does_not_lock_out_the_team(proxied: Proxied):
    """Attack: behind the proxy every login came from nginx's address, so 20 wrong passwords from one
    machine locked every caseworker out."""
    user = add_user(proxied.store, f"team-{uuid.uuid4().hex[:6]}")
    guesser = client_from(proxied.proxy_url, "127.0.0.2")
    statuses = wrong_logins(guesser, MAX_FAILURES_PER_ADDRESS + 2)
    assert statuses[:MAX_FAILURES_PER_ADDRESS] == [401] * MAX_FAILURES_PER_ADDRESS
    assert statuses[-1] == 429  # the guesser is stopped
    colleague = client_from(proxied.proxy_url, "127.0.0.3")
    assert colleague.login(user.username, PASSWORD).status_code == 303


def test_a_spoofed_forwarded_address_through_the_proxy_gains_nothing(proxied: Proxied):
    """Attack: the guesser sends a new X-Forwarded-For / X-Real-IP with every attempt to get a fresh
    rate-limit bucket each time."""
    guesser = client_from(proxied.proxy_url, "127.0.0.4")
    spoof = {"X-Forwarded-For": random_address, "X-Real-IP": random_address}
    statuses = wrong_logins(guesser, MAX_FAILURES_PER_ADDRESS + 2, spoof)
    assert statuses[-1] == 429


def test_a_spoofed_forwarded_address_sent_directly_gains_nothing(proxied: Proxied):
    """Attack: the guesser skips the proxy and sends the forwarding headers to the console itself."""
    guesser = client_from(proxied.console_url, "127.0.0.5")
    spoof = {"X-Forwarded-For": random_address, "X-Real-IP": random_address}
    statuses = wrong_logins(guesser, MAX_FAILURES_PER_ADDRESS + 2, spoof)
    assert statuses[-1] == 429
