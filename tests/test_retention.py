"""Retention purge on real SQLite and PostgreSQL: sensitive chats go sooner, recent ones stay."""

import asyncio
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.retention import DAY, RetentionPolicy, database_url, purge
from bot.rasa_extensions.erasing_tracker_store import ErasingSQLTrackerStore
from tests.test_erasing_tracker_store import POSTGRES

DOMAIN = Domain.load("domain.yml")
POLICY = RetentionPolicy(sensitive_days=30, default_days=180)
NOW = time.time()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_and_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "t.db"
        return ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path)), f"sqlite:///{path}"
    store = ErasingSQLTrackerStore(domain=DOMAIN, **POSTGRES)
    return store, str(store.engine.url)


def _save(store, intent: str, age_days: float) -> str:
    sender = f"ret-{intent}-{age_days}-{uuid.uuid4().hex[:8]}"
    stamp = NOW - age_days * DAY
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update_with_events(
        [
            ActionExecuted("action_listen", timestamp=stamp),
            UserUttered("…", {"name": intent, "confidence": 1.0}, timestamp=stamp),
            ActionExecuted(f"utter_{intent}", timestamp=stamp),
        ],
        DOMAIN,
        override_timestamp=False,
    )
    asyncio.run(store.save(tracker))
    return sender


def _exists(store, sender) -> bool:
    with store.session_scope() as session:
        return session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).count() > 0


def test_sensitive_conversations_go_after_30_days_others_after_180(store_and_url):
    store, url = store_and_url
    old_violence = _save(store, "violence_support", 31)
    young_violence = _save(store, "violence_support", 29)
    old_aid = _save(store, "social_aid", 31)
    ancient_aid = _save(store, "social_aid", 181)
    counts = purge(url, POLICY, now=NOW)
    assert counts["sensitive"] >= 1 and counts["other"] >= 1
    assert not _exists(store, old_violence)
    assert _exists(store, young_violence)
    assert _exists(store, old_aid)
    assert not _exists(store, ancient_aid)


def test_running_again_deletes_nothing_more(store_and_url):
    store, url = store_and_url
    _save(store, "emergency", 40)
    purge(url, POLICY, now=NOW)
    assert purge(url, POLICY, now=NOW) == {"sensitive": 0, "other": 0}


def test_a_conversation_that_came_back_is_kept(store_and_url):
    store, url = store_and_url
    sender = _save(store, "child_protection", 60)
    tracker = asyncio.run(store.retrieve(sender))
    tracker.update(UserUttered("salam", {"name": "greet", "confidence": 1.0}, timestamp=NOW))
    asyncio.run(store.save(tracker))
    purge(url, POLICY, now=NOW)
    assert _exists(store, sender)


def test_concurrent_purges_agree(store_and_url):
    store, url = store_and_url
    senders = [_save(store, "violence_support", 45) for _ in range(5)]
    errors, results = [], []

    def run():
        try:
            results.append(purge(url, POLICY, now=NOW))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not any(_exists(store, s) for s in senders)
    assert sum(r["sensitive"] for r in results) >= len(senders)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        notes = connection.execute(
            sa.text("SELECT note FROM erasure_audit WHERE note LIKE 'retention%'")
        ).all()
    engine.dispose()
    assert notes and all(note == ("retention 30 days",) or note == ("retention 180 days",) for note in notes)


def test_policy_file_and_database_url(tmp_path, monkeypatch):
    policy = tmp_path / "p.yml"
    policy.write_text("sensitive_days: 200\ndefault_days: 100\n")
    with pytest.raises(ValueError, match="sensitive_days"):
        RetentionPolicy.load(policy)
    assert RetentionPolicy.load().sensitive_days == 30
    assert database_url("/x/t.db") == "sqlite:////x/t.db"
    monkeypatch.setenv("TRACKER_DB_URL", "postgresql://u@h/db")
    assert database_url() == "postgresql://u@h/db"


def test_nothing_is_deleted_when_the_erase_events_cannot_be_published(store_and_url):
    store, url = store_and_url
    sender = _save(store, "violence_support", 45)
    announced = []

    def broker_down(sender_ids):
        announced.extend(sender_ids)
        raise ConnectionError("RabbitMQ did not confirm every erase event")

    with pytest.raises(ConnectionError):
        purge(url, POLICY, now=NOW, announce=broker_down)
    assert sender in announced
    assert _exists(store, sender)
    purged = []
    purge(url, POLICY, now=NOW, purged=purged, announce=lambda ids: None)
    assert sender in purged and not _exists(store, sender)
