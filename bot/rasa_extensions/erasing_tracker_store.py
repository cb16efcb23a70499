"""SQL tracker store that erases a conversation when the citizen asks for it.

The erase confirmation (response ``utter_delete_done``) is the trigger: when a turn ends with it,
the store deletes every stored event of the conversation instead of saving the turn, and keeps
one anonymous audit row (time, channel, "erased by user"). Doing this in the store, in the Rasa
process, means the erase cannot be undone by the turn's own save and works without the action
server. Same class for SQLite (embedded default) and PostgreSQL (production).

On SQLite the database is switched to write-ahead logging: a turn's commit then costs one sync of
the log instead of several of the database and its rollback journal (with a rollback journal, commits
take 7 % of an instance's CPU time under `make bench-load`), readers such as `make purge` do not block the
assistant, and with SQLite's default ``synchronous=FULL`` a committed turn is still on disk.

Every copy goes with the conversation: the erase hooks delete its handoffs (transcript, callback
number), review items and WhatsApp bookkeeping, and a ``conversation_erased`` event tells the
event broker's consumers to forget it (bot/privacy/event_broker.py). In the production profile
the store refuses to start when a setting those erasures need is missing
(bot/privacy/erase_settings.py), rather than erase a pod-local file.

A pooled connection is checked when taken from the pool (SQLAlchemy's ``checkout`` event) and
replaced when dead: Rasa pools connections without checking them, so after a database restart
each instance would otherwise fail its next message.

Saving a turn repeats the body of Rasa's ``SQLTrackerStore.save`` (:meth:`_write_events`), which
has no smaller method to override: the turn's events are scrubbed first, sent to the event broker
without reloading the stored tracker, and written off the event loop. The copy is exact for Rasa
3.6.21 only: the store refuses to start under another release (bot/rasa_extensions/rasa_version.py),
and tests/test_rasa_extensions.py compares its rows with those of Rasa's own ``save``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.channels.incoming import metadata_too_large
from bot.every_copy import register_every_store
from bot.privacy.erase_hooks import run_erase_hooks
from bot.privacy.erase_settings import require_erase_settings
from bot.privacy.erasure_audit import erasure_audit
from bot.privacy.event_broker import erase_event
from bot.privacy.private_files import private_file
from bot.privacy.redaction import redact
from bot.rasa_extensions.rasa_version import require_supported_rasa
from bot.text.normalization import MAX_MESSAGE_CHARS, clean_message

logger = logging.getLogger(__name__)

ERASE_CONFIRMATION = "utter_delete_done"
#: Slots whose answers are never stored in clear: the callback number goes encrypted to the handoff store.
SECRET_ANSWER_SLOTS = frozenset({"callback_phone"})


def erase_requested(tracker: DialogueStateTracker) -> bool:
    """True when the bot confirmed an erase after the citizen's latest message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == ERASE_CONFIRMATION:
            return True
    return False


def requested_slot_before(events: list[Event]) -> Any:
    """The slot a form was asking for after ``events`` (reads only slot events: cheap)."""
    for event in reversed(events):
        if isinstance(event, SlotSet) and event.key == "requested_slot":
            return event.value
    return None


def scrub_new_events(events: list[Event], requested: Any = None) -> int:
    """Makes the events of one turn safe to store; returns how many it changed.

    - a citizen message longer than the cap (a channel that does not cut, Rasa's HTTP API) is cut,
      and oversized message metadata is dropped, so no single message is stored unbounded;
    - answers to a secret question (message, its parse data, the slot) have phone numbers, e-mails
      and CIN masked, and the entities found in them removed.

    Only the turn's new events are read: the stored history was scrubbed when it was new, so a
    turn costs the same whatever the length of the conversation. ``requested`` is the slot a form
    was asking for before these events.
    """
    changed = 0
    for event in events:
        if isinstance(event, SlotSet) and event.key == "requested_slot":
            requested = event.value
        elif isinstance(event, SlotSet) and event.key in SECRET_ANSWER_SLOTS and isinstance(event.value, str):
            masked = redact(clean_message(event.value))
            if masked != event.value:
                event.value = masked
                changed += 1
        elif isinstance(event, UserUttered):
            changed += _bound_message(event, secret=requested in SECRET_ANSWER_SLOTS)
    return changed


def _bound_message(event: UserUttered, secret: bool) -> int:
    changed = 0
    text = event.text or ""
    if len(text) > MAX_MESSAGE_CHARS:
        text = clean_message(text)
    if secret:
        text = redact(text)
        if event.parse_data.get("entities"):
            event.parse_data["entities"] = []
            changed = 1
    if text != (event.text or ""):
        event.text = text
        event.parse_data["text"] = text
        changed = 1
    if event.metadata and metadata_too_large(event.metadata):
        event.metadata = {}
        changed = 1
    return changed


def ping_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A dead pooled connection is discarded and another one taken (instead of failing a message)."""
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as error:
        raise sa.exc.DisconnectionError() from error


def _channel_of(tracker: DialogueStateTracker) -> str | None:
    latest = tracker.get_last_event_for(UserUttered)
    return getattr(latest, "input_channel", None) if latest else None


class ErasingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` plus erase-on-request with an anonymous audit trail."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        require_supported_rasa()  # _write_events repeats Rasa 3.6.21's save
        require_erase_settings(event_broker=kwargs.get("event_broker"))  # before any connection
        if kwargs.get("dialect") == "sqlite" and kwargs.get("db"):
            private_file(Path(kwargs["db"]))  # before SQLite creates it with the umask's mode
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")  # stored in the file: every connection
        if not sa.event.contains(self.engine.pool, "checkout", ping_on_checkout):
            sa.event.listen(self.engine.pool, "checkout", ping_on_checkout)
        erasure_audit.metadata.create_all(self.engine, checkfirst=True)
        register_every_store()  # an erase empties the handoffs, review items and channel rows too

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Saves the turn, or erases the whole conversation if the turn confirmed an erase."""
        if erase_requested(tracker):
            self.erase(tracker.sender_id, _channel_of(tracker))
            return
        new_events = await asyncio.to_thread(self._scrubbed_new_events, tracker)
        if self.event_broker is not None:  # production profile: the same events go to the broker
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        await asyncio.to_thread(self._write_events, tracker.sender_id, new_events)

    def _scrubbed_new_events(self, tracker: DialogueStateTracker) -> list[Event]:
        """The turn's events not yet stored, scrubbed (``scrub_new_events``); run in a worker thread.

        Counting the stored events is a database query and scrubbing is CPU work: neither runs on
        the event loop, so other conversations go on meanwhile.
        """
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
        stored = len(tracker.events) - len(new_events)
        scrub_new_events(new_events, requested_slot_before(list(tracker.events)[:stored]))
        return new_events

    def _write_events(self, sender_id: str, events: list[Event]) -> None:
        """Rasa 3.6.21's ``SQLTrackerStore.save`` body (the write, without streaming), run in a worker thread.

        The commit waits for the disk (or for PostgreSQL), 13 % of an instance's time under `make
        bench-load`; in a thread that wait does not stop the event loop, so other conversations go on.
        The turn's conversation stays locked by Rasa until this returns, so its order is kept.
        """
        with self.session_scope() as session:
            for event in events:
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    def erase(self, sender_id: str, channel: str | None = None) -> int:
        """Deletes every stored event of ``sender_id``; returns how many rows went."""
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.execute(
                erasure_audit.insert().values(erased_at=time.time(), channel=channel, note="erased by user")
            )
            session.commit()
        logger.info("Conversation erased at the citizen's request (%d events, channel %s)", deleted, channel)
        if self.event_broker is not None:  # consumers forget their copies (published under a hashed id)
            self.event_broker.publish(erase_event(sender_id, "citizen_request"))
        run_erase_hooks(sender_id, channel)  # channels erase what they hold (e.g. Telegram messages)
        return deleted
