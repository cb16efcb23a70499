"""Attack: another local user reads the conversations, handoffs or channel state straight from the
SQLite files, which SQLite created with the default umask (0644, readable by everyone)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.store import ChannelStore
from bot.handoff.store import HandoffStore
from bot.rasa_extensions.erasing_tracker_store import ErasingSQLTrackerStore
from tests.security.conftest import Stack
from tests.security.test_rasa_api_auth import citizen_says


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def default_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # what a login shell usually has
    yield
    os.umask(previous)


def test_the_running_assistant_keeps_its_databases_owner_only(stack: Stack):
    citizen_says(stack, "modes-check", "salam")  # the tracker and handoff databases are written
    for database in (stack.assistant.tracker_db, stack.assistant.tracker_db.with_name("handoff.db")):
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists():
                assert mode(path) == 0o600, f"{path} is {oct(mode(path))}"


def test_each_store_creates_its_sqlite_file_owner_only(tmp_path: Path, default_umask):
    folder = tmp_path / "data"
    tracker = ErasingSQLTrackerStore(dialect="sqlite", db=str(folder / "tracker.db"))
    tracker.engine.dispose()
    HandoffStore(f"sqlite:///{folder / 'handoff.db'}")
    ChannelStore(f"sqlite:///{folder / 'channels.db'}")
    assert mode(folder) == 0o700
    for name in ("tracker.db", "handoff.db", "channels.db"):
        for path in folder.glob(f"{name}*"):
            assert mode(path) == 0o600, f"{path.name} is {oct(mode(path))}"


def test_a_database_left_readable_is_tightened_at_start(tmp_path: Path, default_umask):
    database = tmp_path / "handoff.db"
    HandoffStore(f"sqlite:///{database}")
    database.chmod(0o644)  # as an older version left it
    HandoffStore(f"sqlite:///{database}")
    assert mode(database) == 0o600


def test_a_secret_file_is_owner_only_and_created_once(tmp_path):
    from bot.privacy.private_files import secret_file

    path = tmp_path / "keys" / "console.key"
    first = secret_file(path, lambda: b"first-secret")
    assert first == b"first-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert secret_file(path, lambda: b"another") == b"first-secret"  # kept, never replaced
    assert [p.name for p in path.parent.iterdir()] == ["console.key"]  # no temporary file left
