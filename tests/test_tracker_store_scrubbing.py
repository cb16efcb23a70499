"""The tracker store bounds and scrubs each turn's new events, and only those.

Real SQLite: what is checked is what the store wrote.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_extensions import erasing_tracker_store
from bot.rasa_extensions.erasing_tracker_store import ErasingSQLTrackerStore, scrub_new_events
from bot.text.normalization import MAX_MESSAGE_CHARS

DOMAIN = Domain.load("domain.yml")


@pytest.fixture
def store(tmp_path):
    return ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))


def _stored(store: ErasingSQLTrackerStore, sender: str) -> list[dict]:
    with sqlite3.connect(store.engine.url.database) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        return [json.loads(row[0]) for row in rows]


def _asked_for_the_number(tracker: DialogueStateTracker) -> None:
    tracker.update_with_events(
        [
            ActionExecuted("callback_form"),
            SlotSet("requested_slot", "callback_phone"),
            ActionExecuted("action_listen"),
        ],
        DOMAIN,
    )


def test_the_answer_to_the_number_question_is_masked_in_text_parse_data_and_slot(store):
    tracker = DialogueStateTracker("callback-1", DOMAIN.slots)
    _asked_for_the_number(tracker)
    asyncio.run(store.save(tracker))
    answer = "06 - 12 - 34 - 56 - 78"
    entities = [{"entity": "number", "value": 6, "start": 0, "end": 2}]
    tracker.update_with_events(
        [
            UserUttered(answer, {"name": "inform", "confidence": 0.9}, entities, input_channel="rest"),
            SlotSet("callback_phone", answer),
        ],
        DOMAIN,
    )
    asyncio.run(store.save(tracker))
    stored = _stored(store, "callback-1")
    user = [e for e in stored if e["event"] == "user"][-1]
    assert user["text"] == "[phone]" and user["parse_data"]["text"] == "[phone]"
    assert user["parse_data"]["entities"] == []
    assert [e["value"] for e in stored if e.get("name") == "callback_phone"] == ["[phone]"]


def test_a_turn_scrubs_only_its_new_events(store, monkeypatch):
    tracker = DialogueStateTracker("callback-2", DOMAIN.slots)
    _asked_for_the_number(tracker)
    for turn in range(5):
        tracker.update_with_events(
            [
                UserUttered(f"0612 34 56 7{turn}", {"name": "inform", "confidence": 0.9}),
                ActionExecuted("action_listen"),
            ],
            DOMAIN,
        )
        asyncio.run(store.save(tracker))
    seen: list[int] = []
    real = erasing_tracker_store.scrub_new_events
    monkeypatch.setattr(
        erasing_tracker_store,
        "scrub_new_events",
        lambda events, requested: seen.append(len(events)) or real(events, requested),
    )
    tracker.update_with_events([UserUttered("0612345679", {"name": "inform", "confidence": 0.9})], DOMAIN)
    asyncio.run(store.save(tracker))
    assert seen == [1], "the stored history was scrubbed again"
    assert [e["text"] for e in _stored(store, "callback-2") if e["event"] == "user"] == ["[phone]"] * 6


def test_an_oversized_message_or_metadata_is_bounded_before_storage(store):
    tracker = DialogueStateTracker("big-1", DOMAIN.slots)
    tracker.update_with_events(
        [
            UserUttered(
                "salam " * 50_000, {"name": "greet", "confidence": 0.9}, metadata={"blob": "x" * 50_000}
            )
        ],
        DOMAIN,
    )
    asyncio.run(store.save(tracker))
    (user,) = [e for e in _stored(store, "big-1") if e["event"] == "user"]
    assert len(user["text"]) <= MAX_MESSAGE_CHARS and user["parse_data"]["text"] == user["text"]
    assert user["metadata"] == {}


def test_ordinary_messages_outside_the_form_are_stored_as_written():
    events = [UserUttered("appelez le 8350, mon numéro 0612345678", {"name": "inform"})]
    assert scrub_new_events(events) == 0
    assert events[0].text == "appelez le 8350, mon numéro 0612345678"


def test_the_event_broker_gets_each_new_event_once_and_scrubbed(tmp_path):
    """Rasa's file event broker (a real one): what it receives is what the store wrote, no more."""
    from rasa.core.brokers.file import FileEventBroker

    log = tmp_path / "events.log"
    store = ErasingSQLTrackerStore(
        domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"), event_broker=FileEventBroker(str(log))
    )
    tracker = DialogueStateTracker("broker-1", DOMAIN.slots)
    _asked_for_the_number(tracker)
    asyncio.run(store.save(tracker))
    tracker.update_with_events(
        [UserUttered("06. 61. 23. 45. 78", {"name": "inform", "confidence": 0.9})], DOMAIN
    )
    asyncio.run(store.save(tracker))
    published = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["event"], e.get("text")) for e in published] == [
        (e["event"], e.get("text")) for e in _stored(store, "broker-1")
    ]
    assert [e["text"] for e in published if e["event"] == "user"] == ["[phone]"]
