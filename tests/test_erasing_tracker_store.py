"""Erase on request: the stored conversation disappears, an anonymous audit row remains.

Runs against real SQLite and the PostgreSQL server on 127.0.0.1:5432.
"""

import asyncio
import os
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_extensions.erasing_tracker_store import ErasingSQLTrackerStore, erase_requested

DOMAIN = Domain.load("domain.yml")
POSTGRES = dict(dialect="postgresql", host=os.environ.get("PGHOST", "127.0.0.1"), port=5432, db="test",
                username=os.environ.get("PGUSER", "postgres"))  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    return ErasingSQLTrackerStore(domain=DOMAIN, **POSTGRES)


def _conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update_with_events(
        [
            ActionExecuted("action_listen"),
            UserUttered(
                "راجلي كيضربني", {"name": "violence_support", "confidence": 0.9}, input_channel="rest"
            ),
            ActionExecuted("utter_violence_support"),
            BotUttered("…", metadata={"utter_action": "utter_violence_support"}),
            ActionExecuted("action_listen"),
        ],
        DOMAIN,
    )
    return tracker


def _confirm_erase(tracker: DialogueStateTracker) -> None:
    tracker.update_with_events(
        [
            UserUttered("msa7", {"name": "delete_my_data", "confidence": 0.9}, input_channel="rest"),
            ActionExecuted("utter_delete_confirm"),
            BotUttered("?", metadata={"utter_action": "utter_delete_confirm"}),
            ActionExecuted("action_listen"),
            UserUttered("/affirm", {"name": "affirm", "confidence": 1.0}, input_channel="rest"),
            ActionExecuted("utter_delete_done"),
            BotUttered("ok", metadata={"utter_action": "utter_delete_done"}),
            ActionExecuted("action_listen"),
        ],
        DOMAIN,
    )


def _rows(store, sender):
    with store.session_scope() as session:
        return session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).count()


def test_erase_confirmation_deletes_every_stored_event(store):
    sender = f"erase-{uuid.uuid4().hex}"
    other = f"keep-{uuid.uuid4().hex}"
    tracker = _conversation(sender)
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(_conversation(other)))
    assert _rows(store, sender) > 0

    _confirm_erase(tracker)
    asyncio.run(store.save(tracker))

    assert _rows(store, sender) == 0
    assert asyncio.run(store.retrieve(sender)) is None
    assert _rows(store, other) > 0, "another citizen's conversation must stay"
    with store.engine.connect() as connection:
        audit = connection.execute(
            sa.text("SELECT channel, note FROM erasure_audit ORDER BY id DESC")
        ).first()
    assert tuple(audit) == ("rest", "erased by user")


def test_audit_row_holds_no_identifier_or_text(store):
    with store.engine.connect() as connection:
        columns = [c["name"] for c in sa.inspect(connection).get_columns("erasure_audit")]
    assert columns == ["id", "erased_at", "channel", "note"]


def test_a_later_turn_does_not_erase_again():
    tracker = _conversation("x")
    _confirm_erase(tracker)
    assert erase_requested(tracker)
    tracker.update_with_events([UserUttered("salam", {"name": "greet"}), SlotSet("language", "ary")], DOMAIN)
    assert not erase_requested(tracker)


def test_sqlite_store_uses_write_ahead_logging_and_commits_each_turn(tmp_path):
    """WAL is set in the database file, and a saved turn is visible to another connection at once."""
    import json
    import sqlite3

    path = tmp_path / "wal.db"
    store = ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path))
    asyncio.run(store.save(_conversation("wal-citizen")))
    other = sqlite3.connect(path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = other.execute("SELECT data FROM events WHERE sender_id = 'wal-citizen'").fetchall()
        assert "راجلي كيضربني" in [json.loads(data).get("text") for (data,) in rows]
    finally:
        other.close()
