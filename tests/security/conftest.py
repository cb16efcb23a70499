"""A real stack for the attack tests: Rasa + action server (callback channel to a local receiver),
the console signing its calls with the installation's secret, and the shared handoff database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.handoff.store import HandoffStore
from bot.training import ROOT
from tests.conftest import RunningAssistant
from tests.console_support import ConsoleServer, add_user, sqlite_url, start_console
from tests.live_assistant import Receiver, live_assistant

ALWAYS_OPEN = ROOT / "tests" / "data" / "office_hours_always_open.yml"


@dataclass
class Stack:
    assistant: RunningAssistant
    console: ConsoleServer
    receiver: Receiver
    store: HandoffStore


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("security-stack")
    receiver = Receiver()
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        (ROOT / "credentials.yml").read_text(encoding="utf-8") + f"\ncallback:\n  url: {receiver.url}\n",
        encoding="utf-8",
    )
    try:
        with live_assistant(workdir, {"OFFICE_HOURS_FILE": str(ALWAYS_OPEN)}, credentials) as assistant:
            console = start_console(sqlite_url(workdir), assistant.url, workdir, assistant.client_env())
            try:
                yield Stack(assistant, console, receiver, HandoffStore(sqlite_url(workdir)))
            finally:
                console.stop()
    finally:
        receiver.close()


__all__ = ["Stack", "add_user", "stack"]
