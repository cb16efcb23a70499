"""Durable state the messaging channels share between restarts and Rasa instances.

- ``channel_events``: update / message ids already handled, so a webhook delivered twice (a
  platform retry, two instances behind a load balancer) is processed once. The primary key makes
  the check atomic in the database, whichever instance receives the copy. A WhatsApp message id
  embeds the sender's phone number, so it is stored as ``<hash of the contact>:<hash of the id>``
  (:func:`contact_event_id`): no number in the table, and an erase finds the contact's rows.
- ``channel_claims``: ids being processed now, each with a lease its instance renews while it works
  (:mod:`bot.channels.processed_once`). An id is recorded as handled only once its turn is done, so
  when an instance dies mid-message its lease runs out and the platform's retry is processed, once.
- ``telegram_messages``: ids of the messages of each Telegram chat (sent and received) for the
  quick exit, which deletes them; kept 48 hours, the Bot API's limit for deleting.
- ``channel_payloads``: button payloads too long for a platform's id field (Telegram's 64-byte
  callback data), stored under a short key.
- ``whatsapp_contacts``: when each contact last wrote, for WhatsApp's 24-hour window; a row older
  than the window is useless and pruned.

SQLite under ``var/`` is the embedded default; ``CHANNELS_DB_URL`` selects PostgreSQL (or any
SQLAlchemy URL) in production. Methods are synchronous; async callers use :meth:`run`.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.privacy.private_files import prepare_sqlite_url
from bot.settings import get_settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

TELEGRAM_DELETE_WINDOW = 48 * 3600
WHATSAPP_WINDOW = 24 * 3600
EVENT_RETENTION = 7 * 24 * 3600  # Meta retries a failed webhook for up to 7 days
PAYLOAD_RETENTION = 30 * 24 * 3600
PRUNE_EVERY = 3600

metadata = sa.MetaData()
channel_events = sa.Table(
    "channel_events",
    metadata,
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("event_id", sa.String(160), primary_key=True),
    sa.Column("seen_at", sa.Float, nullable=False, index=True),
)
channel_claims = sa.Table(
    "channel_claims",
    metadata,
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("event_id", sa.String(160), primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("lease_until", sa.Float, nullable=False, index=True),
)
telegram_messages = sa.Table(
    "telegram_messages",
    metadata,
    sa.Column("chat_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("message_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("sent_at", sa.Float, nullable=False, index=True),
)
channel_payloads = sa.Table(
    "channel_payloads",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
)
whatsapp_contacts = sa.Table(
    "whatsapp_contacts",
    metadata,
    sa.Column("wa_id", sa.String(64), primary_key=True),
    sa.Column("last_inbound_at", sa.Float, nullable=False, index=True),
)

PAYLOAD_KEY_PREFIX = "k:"
WHATSAPP_CHANNEL = "whatsapp"
WHATSAPP_SENDER_PREFIX = "wa-"
TELEGRAM_SENDER_PREFIX = "tg-"


def _digest(value: str, length: int) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:length]


def contact_event_id(contact: str, event_id: str) -> str:
    """The stored form of a message id that names its sender (a WhatsApp id embeds the number)."""
    return f"{_digest(contact, 32)}:{_digest(str(event_id), 64)}"


class ClaimState(enum.Enum):
    NEW = "new"  # this caller processes the event
    DONE = "done"  # processed before: acknowledge, do nothing
    BUSY = "busy"  # another instance holds a live lease on it: the platform should retry later


@dataclass(frozen=True)
class Claim:
    """The answer of :meth:`ChannelStore.claim`.

    ``taken_over``: the event was claimed before by a holder whose lease ran out (it died or was
    cancelled mid-message), so part of its turn may already be stored.
    """

    state: ClaimState
    channel: str
    event_id: str
    holder: str = ""
    taken_over: bool = False


def database_url(value: str | None = None) -> str:
    """Given URL, else ``CHANNELS_DB_URL``, else SQLite at ``CHANNELS_DB`` or ``var/channels.db``."""
    if value:
        return value if "://" in value else f"sqlite:///{value}"
    settings = get_settings()
    return settings.channels_db_url or f"sqlite:///{settings.channels_db}"


def _engine(url: str) -> sa.engine.Engine:
    if url.startswith("sqlite"):
        prepare_sqlite_url(url)  # owner-only file in an owner-only folder
        engine = sa.create_engine(url, future=True, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:  # readers never block the writer
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(url, future=True, pool_pre_ping=True)


def _create_schema(engine: sa.engine.Engine) -> None:
    """Creates the tables once, also when several instances start together."""
    for attempt in range(3):
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x4A434841})
                metadata.create_all(connection, checkfirst=True)
            return
        except (IntegrityError, OperationalError):  # another process created them meanwhile
            if attempt == 2:
                raise
            time.sleep(0.2)


class ChannelStore:
    """The channels' durable state in one SQL database."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self.engine = _engine(self.url)
        _create_schema(self.engine)
        self._last_prune = 0.0

    @staticmethod
    async def run(function: Callable[..., T], *args: Any) -> T:
        """Runs a store method in a worker thread, so the event loop never waits on the database."""
        return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args))

    # -- processed once -------------------------------------------------------------------------
    def first_time(self, channel: str, event_id: str | int, now: float | None = None) -> bool:
        """Records ``event_id``; ``False`` when any instance recorded it before (a duplicate)."""
        now = time.time() if now is None else now
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    channel_events.insert().values(channel=channel, event_id=str(event_id)[:160], seen_at=now)
                )
        except IntegrityError:
            return False
        self.prune_if_due(now)
        return True

    def claim(self, channel: str, event_id: str | int, lease: float, now: float | None = None) -> Claim:
        """Claims ``event_id`` for ``lease`` seconds, unless it is done or another holder's lease runs.

        The done check comes after the claim: a holder records the event done and drops its claim in
        one transaction, so a claim that succeeds afterwards always sees the event done.
        """
        now = time.time() if now is None else now
        key = str(event_id)[:160]
        holder = uuid.uuid4().hex
        taken_over = False
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    channel_claims.insert().values(
                        channel=channel, event_id=key, holder=holder, lease_until=now + lease
                    )
                )
        except IntegrityError:
            with self.engine.begin() as connection:
                taken = connection.execute(
                    channel_claims.update()
                    .where(channel_claims.c.channel == channel, channel_claims.c.event_id == key,
                           channel_claims.c.lease_until < now)
                    .values(holder=holder, lease_until=now + lease)
                ).rowcount  # fmt: skip
            if not taken:
                return Claim(ClaimState.BUSY, channel, key)
            taken_over = True
        with self.engine.connect() as connection:
            done = connection.execute(
                sa.select(channel_events.c.seen_at).where(
                    channel_events.c.channel == channel, channel_events.c.event_id == key
                )
            ).first()
        if done is not None:
            with self.engine.begin() as connection:
                connection.execute(
                    channel_claims.delete().where(
                        channel_claims.c.channel == channel,
                        channel_claims.c.event_id == key,
                        channel_claims.c.holder == holder,
                    )
                )
            return Claim(ClaimState.DONE, channel, key)
        return Claim(ClaimState.NEW, channel, key, holder, taken_over)

    def renew(self, claim: Claim, lease: float, now: float | None = None) -> bool:
        """Extends the lease; ``False`` when the claim was lost (another holder took it over)."""
        now = time.time() if now is None else now
        with self.engine.begin() as connection:
            return bool(
                connection.execute(
                    channel_claims.update()
                    .where(channel_claims.c.channel == claim.channel, channel_claims.c.event_id == claim.event_id,
                           channel_claims.c.holder == claim.holder)
                    .values(lease_until=now + lease)
                ).rowcount
            )  # fmt: skip

    def mark_done(self, claim: Claim, now: float | None = None) -> None:
        """Records the event as handled and drops the claim, atomically.

        Nothing is recorded when the claim is gone: an erase during the turn forgot the contact (its
        claims included), or another instance took the event over and records it itself.
        """
        now = time.time() if now is None else now
        with self.engine.begin() as connection:
            held = connection.execute(
                channel_claims.delete().where(
                    channel_claims.c.channel == claim.channel, channel_claims.c.event_id == claim.event_id,
                    channel_claims.c.holder == claim.holder,
                )
            ).rowcount  # fmt: skip
            if not held:
                return
            exists = connection.execute(
                sa.select(channel_events.c.seen_at).where(
                    channel_events.c.channel == claim.channel, channel_events.c.event_id == claim.event_id
                )
            ).first()
            if exists is None:
                connection.execute(
                    channel_events.insert().values(
                        channel=claim.channel, event_id=claim.event_id, seen_at=now
                    )
                )

    def release(self, claim: Claim) -> None:
        """Lets the lease run out now, without recording the event done: the next delivery of the
        event takes it over (and checks what of its turn was stored)."""
        with self.engine.begin() as connection:
            connection.execute(
                channel_claims.update()
                .where(channel_claims.c.channel == claim.channel, channel_claims.c.event_id == claim.event_id,
                       channel_claims.c.holder == claim.holder)
                .values(lease_until=0.0)
            )  # fmt: skip

    # -- Telegram messages for the quick exit -----------------------------------------------------
    def record_telegram_messages(
        self, chat_id: int, message_ids: Iterable[int], now: float | None = None
    ) -> None:
        """Remembers message ids of a chat (duplicates ignored)."""
        now = time.time() if now is None else now
        for message_id in {int(m) for m in message_ids}:
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        telegram_messages.insert().values(
                            chat_id=int(chat_id), message_id=message_id, sent_at=now
                        )
                    )
            except IntegrityError:
                pass

    def telegram_message_ids(self, chat_id: int, now: float | None = None) -> list[int]:
        """Ids of the chat's messages still deletable (younger than 48 hours), oldest first."""
        now = time.time() if now is None else now
        query = (
            sa.select(telegram_messages.c.message_id)
            .where(telegram_messages.c.chat_id == int(chat_id))
            .where(telegram_messages.c.sent_at > now - TELEGRAM_DELETE_WINDOW)
            .order_by(telegram_messages.c.message_id)
        )
        with self.engine.connect() as connection:
            return [row[0] for row in connection.execute(query)]

    def forget_telegram_messages(
        self, chat_id: int, message_ids: Iterable[int] | None = None, recorded_before: float | None = None
    ) -> int:
        """Deletes the recorded ids of a chat (all of them, only ``message_ids``, or those recorded before)."""
        statement = telegram_messages.delete().where(telegram_messages.c.chat_id == int(chat_id))
        if message_ids is not None:
            statement = statement.where(telegram_messages.c.message_id.in_([int(m) for m in message_ids]))
        if recorded_before is not None:
            statement = statement.where(telegram_messages.c.sent_at < recorded_before)
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount

    # -- long button payloads -----------------------------------------------------------------------
    def shorten_payload(self, payload: str, limit: int, now: float | None = None) -> str:
        """``payload`` itself when it fits in ``limit`` bytes, else a short key stored for it."""
        if len(payload.encode()) <= limit and not payload.startswith(PAYLOAD_KEY_PREFIX):
            return payload
        key = PAYLOAD_KEY_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:32]
        now = time.time() if now is None else now
        try:
            with self.engine.begin() as connection:
                connection.execute(channel_payloads.insert().values(key=key, payload=payload, created_at=now))
        except IntegrityError:  # the same payload was stored before: refresh its age
            with self.engine.begin() as connection:
                connection.execute(
                    channel_payloads.update().where(channel_payloads.c.key == key).values(created_at=now)
                )
        return key

    def expand_payload(self, value: str) -> str | None:
        """The payload behind a short key (``None`` if unknown or expired), or ``value`` itself."""
        if not value.startswith(PAYLOAD_KEY_PREFIX):
            return value
        query = sa.select(channel_payloads.c.payload).where(channel_payloads.c.key == value)
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    # -- WhatsApp 24-hour window ------------------------------------------------------------------
    def touch_contact(self, wa_id: str, at: float) -> None:
        """Records that ``wa_id`` wrote at ``at`` (keeps the latest time)."""
        with self.engine.begin() as connection:
            updated = connection.execute(
                whatsapp_contacts.update()
                .where(whatsapp_contacts.c.wa_id == wa_id)
                .where(whatsapp_contacts.c.last_inbound_at < at)
                .values(last_inbound_at=at)
            ).rowcount
            if updated:
                return
        try:
            with self.engine.begin() as connection:
                connection.execute(whatsapp_contacts.insert().values(wa_id=wa_id, last_inbound_at=at))
        except IntegrityError:  # exists with a later time, or inserted concurrently
            pass

    def last_inbound(self, wa_id: str) -> float | None:
        """When ``wa_id`` last wrote, if known."""
        query = sa.select(whatsapp_contacts.c.last_inbound_at).where(whatsapp_contacts.c.wa_id == wa_id)
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    def within_window(self, wa_id: str, now: float | None = None) -> bool:
        """True inside WhatsApp's 24-hour customer-service window."""
        last = self.last_inbound(wa_id)
        now = time.time() if now is None else now
        return last is not None and now - last < WHATSAPP_WINDOW

    def forget_contact(self, wa_id: str) -> int:
        """Deletes what is stored about ``wa_id``: its last-message time and its message ids."""
        prefix = f"{_digest(wa_id, 32)}:"
        with self.engine.begin() as connection:
            deleted = connection.execute(
                whatsapp_contacts.delete().where(whatsapp_contacts.c.wa_id == wa_id)
            ).rowcount
            for table in (channel_events, channel_claims):  # a claim in flight is this erase's own turn
                deleted += connection.execute(
                    table.delete()
                    .where(table.c.channel == WHATSAPP_CHANNEL)
                    .where(table.c.event_id.startswith(prefix, autoescape=True))
                ).rowcount
        return deleted

    def forget_conversation(self, sender_id: str) -> int:
        """Deletes the bookkeeping of a conversation id (``wa-…`` or ``tg-…``); returns rows deleted.

        Used by retention and for WhatsApp erases. A Telegram erase confirmed in the chat goes
        through the channel's hook instead, which first deletes the messages on the phone.
        """
        if sender_id.startswith(WHATSAPP_SENDER_PREFIX):
            return self.forget_contact(sender_id[len(WHATSAPP_SENDER_PREFIX) :])
        if sender_id.startswith(TELEGRAM_SENDER_PREFIX):
            try:
                chat_id = int(sender_id[len(TELEGRAM_SENDER_PREFIX) :])
            except ValueError:
                return 0
            return self.forget_telegram_messages(chat_id)
        return 0

    # -- housekeeping -------------------------------------------------------------------------------
    def prune(self, now: float | None = None) -> dict[str, int]:
        """Deletes rows that can no longer serve (safe to run from several instances at once)."""
        now = time.time() if now is None else now
        statements = {
            "channel_events": channel_events.delete().where(channel_events.c.seen_at < now - EVENT_RETENTION),
            "channel_claims": channel_claims.delete().where(
                channel_claims.c.lease_until < now - EVENT_RETENTION
            ),
            "telegram_messages": telegram_messages.delete().where(
                telegram_messages.c.sent_at < now - TELEGRAM_DELETE_WINDOW
            ),
            "channel_payloads": channel_payloads.delete().where(
                channel_payloads.c.created_at < now - PAYLOAD_RETENTION
            ),
            "whatsapp_contacts": whatsapp_contacts.delete().where(
                whatsapp_contacts.c.last_inbound_at < now - WHATSAPP_WINDOW
            ),
        }
        counts = {}
        with self.engine.begin() as connection:
            for name, statement in statements.items():
                counts[name] = connection.execute(statement).rowcount
        return counts

    def prune_if_due(self, now: float) -> None:
        """Prunes at most once an hour per process."""
        if now - self._last_prune < PRUNE_EVERY:
            return
        self._last_prune = now
        try:
            self.prune(now)
        except Exception as error:  # housekeeping never fails a webhook
            logger.warning("Pruning the channel store failed: %s", type(error).__name__)


_stores: dict[str, ChannelStore] = {}


def channel_store(url: str | None = None) -> ChannelStore:
    """One store (one connection pool) per database URL and process."""
    resolved = database_url(url)
    if resolved not in _stores:
        _stores[resolved] = ChannelStore(resolved)
    return _stores[resolved]
