"""Builders for review-queue tests: real tracker stores and handoff databases, real Rasa events."""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_extensions.erasing_tracker_store import ErasingSQLTrackerStore
from tests.handoff_db import postgres_database

DOMAIN = Domain.load("domain.yml")


@contextmanager
def tracker_store(kind: str, tmp_path: Path) -> Iterator[tuple[ErasingSQLTrackerStore, str]]:
    """A real tracker store (the project's class) on an empty SQLite file or PostgreSQL database."""
    if kind == "sqlite":
        path = tmp_path / "tracker.db"
        yield ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path)), f"sqlite:///{path}"
        return
    with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        store = ErasingSQLTrackerStore(
            domain=DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432, db=name, username="postgres"
        )
        try:
            yield store, url
        finally:
            store.engine.dispose()


def user(
    text: str,
    intent: str,
    confidence: float = 0.95,
    ranking: list[tuple[str, float]] | None = None,
    language: str | None = "fr",
    script: str | None = "Latn",
    stamp: float | None = None,
) -> UserUttered:
    """A citizen message as the project's NLU pipeline leaves it (ranking, detected language/script)."""
    ranking = ranking or [(intent, confidence)]
    entities = []
    if language:
        entities.append({"entity": "detected_language", "value": language, "start": 0, "end": len(text),
                         "confidence": 0.9, "extractor": "LanguageDetector"})  # fmt: skip
    if script:
        entities.append({"entity": "detected_script", "value": script, "start": 0, "end": len(text),
                         "confidence": 1.0, "extractor": "LanguageDetector"})  # fmt: skip
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": entities,
    }
    return UserUttered(text, parse_data["intent"], entities, parse_data, timestamp=stamp or time.time(),
                       input_channel="rest")  # fmt: skip


def bot(response: str, buttons: list[dict] | None = None, stamp: float | None = None) -> list:
    """The action and the bot message of a templated response."""
    data = {"buttons": buttons} if buttons else {}
    stamp = stamp or time.time()
    return [
        ActionExecuted(response, timestamp=stamp),
        BotUttered("…", data=data, metadata={"utter_action": response}, timestamp=stamp),
        ActionExecuted("action_listen", timestamp=stamp),
    ]


def slot(name: str, value, stamp: float | None = None) -> SlotSet:
    return SlotSet(name, value, timestamp=stamp or time.time())


def agreed(stamp: float | None = None) -> SlotSet:
    """The citizen agreed that her messages may help improve the assistant (the review queue's consent)."""
    return slot("improve_consent", True, stamp)


def withdrew(stamp: float | None = None) -> SlotSet:
    """The citizen withdrew that agreement ("stop using my messages")."""
    return slot("improve_consent", False, stamp)


def action(name: str, stamp: float | None = None) -> ActionExecuted:
    return ActionExecuted(name, timestamp=stamp or time.time())


def save(store: ErasingSQLTrackerStore, events: list, sender: str | None = None) -> str:
    """Saves a conversation made of ``events`` (flattened) and returns its sender id."""
    sender = sender or f"citizen-{uuid.uuid4().hex[:10]}"
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, DOMAIN.slots)
    flat = []
    for event in events:
        flat.extend(event if isinstance(event, list) else [event])
    tracker.update_with_events(flat, DOMAIN, override_timestamp=False)
    asyncio.run(store.save(tracker))
    return sender


def erase(store: ErasingSQLTrackerStore, sender: str) -> None:
    """The citizen confirms an erase: the store deletes the conversation and runs the erase hooks."""
    save(store, [user("msa7", "delete_my_data", language="ary"), *bot("utter_delete_confirm"),
                 user("/affirm", "affirm"), *bot("utter_delete_done")], sender)  # fmt: skip
