"""Retention: deletes conversations older than their retention period (``make purge``: bot/ops/purge.py).

Sensitive conversations (violence, emergency, child protection) are kept ``sensitive_days``
(default 30), others ``default_days`` (180), counted from the conversation's last event. Each
conversation is deleted by one statement that re-checks its age, so the job is safe to run
repeatedly and concurrently with itself and with live traffic: a conversation that received a
new message meanwhile is left alone. An anonymous audit row records each deletion.

Every copy of a purged conversation goes with it, as with an erase: its handoffs (transcript,
callback number), review items and channel bookkeeping, and a ``conversation_erased`` event
(reason ``retention``) tells the event broker's consumers to forget it. Handoffs idle past the
same periods go too, open ones included, and so do review items past their conversation's
period and channel bookkeeping past its own short life (bot/channels/store.py). Those stores are
reached through the copy holders they register (bot/privacy/erase_hooks.py), never imported here.

In the production profile the job refuses to start without the settings it needs
(bot/privacy/erase_settings.py) and connects to RabbitMQ before deleting anything: a purge whose
erase events could not be published would leave the consumers' copies behind unnoticed.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlalchemy as sa
import yaml

from bot.privacy.erase_hooks import CopyHolder, copy_holders
from bot.privacy.erase_settings import require_erase_settings
from bot.privacy.erasure_audit import erasure_audit
from bot.settings import ROOT, get_settings

DEFAULT_POLICY = ROOT / "data" / "privacy" / "retention.yml"
PRODUCTION_ENDPOINTS = ROOT / "endpoints.prod.yml"
DAY = 86400.0


@dataclass(frozen=True)
class RetentionPolicy:
    """Retention periods in days and the intents that make a conversation sensitive."""

    sensitive_days: float = 30
    default_days: float = 180
    sensitive_intents: tuple[str, ...] = ("emergency", "violence_support", "child_protection")

    @classmethod
    def load(cls, path: Path = DEFAULT_POLICY) -> RetentionPolicy:
        """Reads and checks the policy file."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        policy = cls(
            sensitive_days=float(data.get("sensitive_days", cls.sensitive_days)),
            default_days=float(data.get("default_days", cls.default_days)),
            sensitive_intents=tuple(data.get("sensitive_intents") or cls.sensitive_intents),
        )
        if not 0 < policy.sensitive_days <= policy.default_days:
            raise ValueError(f"{path}: need 0 < sensitive_days <= default_days")
        return policy


def database_url(value: str | None = None) -> str:
    """An SQLAlchemy URL: given, or from TRACKER_DB_URL, or the SQLite file in TRACKER_DB."""
    if value:
        return value if "://" in value else f"sqlite:///{value}"
    settings = get_settings()
    return settings.tracker_db_url or f"sqlite:///{settings.tracker_db}"


def _expired(connection: sa.engine.Connection, policy: RetentionPolicy, now: float) -> list[tuple[str, bool]]:
    events = sa.table("events", sa.column("sender_id"), sa.column("timestamp"), sa.column("intent_name"))
    sensitive = sa.func.max(sa.case((events.c.intent_name.in_(policy.sensitive_intents), 1), else_=0))
    query = sa.select(events.c.sender_id, sa.func.max(events.c.timestamp), sensitive).group_by(
        events.c.sender_id
    )
    expired = []
    for sender_id, last, is_sensitive in connection.execute(query):
        days = policy.sensitive_days if is_sensitive else policy.default_days
        if last is not None and last < now - days * DAY:
            expired.append((sender_id, bool(is_sensitive)))
    return expired


def purge(
    url: str,
    policy: RetentionPolicy,
    now: float | None = None,
    purged: list[str] | None = None,
    announce: Callable[[list[str]], None] | None = None,
) -> dict[str, int]:
    """Deletes expired conversations; returns counts of sensitive and other conversations deleted.

    The ids of the deleted conversations are appended to ``purged`` when given. ``announce`` gets
    the expired ids before anything is deleted; when it raises, nothing is: a conversation is never
    gone from the tracker store while the broker's consumers were not told to forget it.
    """
    now = time.time() if now is None else now
    engine = sa.create_engine(url)
    counts = {"sensitive": 0, "other": 0}
    try:
        if not sa.inspect(engine).has_table("events"):
            return counts
        erasure_audit.metadata.create_all(engine, checkfirst=True)
        with engine.connect() as connection:
            expired = _expired(connection, policy, now)
        if announce is not None and expired:
            announce([sender_id for sender_id, _ in expired])
        for sender_id, is_sensitive in expired:
            days = policy.sensitive_days if is_sensitive else policy.default_days
            with engine.begin() as connection:
                deleted = connection.execute(
                    sa.text(
                        "DELETE FROM events WHERE sender_id = :sender AND NOT EXISTS "
                        "(SELECT 1 FROM events AS newer WHERE newer.sender_id = :sender AND newer.timestamp >= :cutoff)"
                    ),
                    {"sender": sender_id, "cutoff": now - days * DAY},
                ).rowcount
                if deleted:
                    connection.execute(
                        erasure_audit.insert().values(
                            erased_at=now, channel=None, note=f"retention {int(days)} days"
                        )
                    )
                    counts["sensitive" if is_sensitive else "other"] += 1
                    if purged is not None:
                        purged.append(sender_id)
    finally:
        engine.dispose()
    return counts


def announcer(broker: Any, loop: asyncio.AbstractEventLoop) -> Callable[[list[str]], None]:
    """Publishes erase events (reason ``retention``) from the purge's thread and waits for RabbitMQ.

    A conversation that gets a new message between the announcement and its deletion is kept;
    its consumers then forget its earlier events too, which loses figures, never privacy.
    """
    from bot.privacy.event_broker import announce_erasures

    def announce(sender_ids: list[str]) -> None:
        future = asyncio.run_coroutine_threadsafe(announce_erasures(broker, sender_ids, "retention"), loop)
        future.result(timeout=300)
        print(f"published {len(sender_ids)} conversation_erased event(s) before deleting")

    return announce


class BrokerSettingsMissing(RuntimeError):
    """The endpoints file's event broker references an environment variable that is not set."""


def broker_config(endpoints: Path) -> Any:
    """The ``event_broker`` section of ``endpoints`` with ``${VAR}`` expanded (None if absent).

    Only this section is read, so the job needs the RabbitMQ variables and none of the others.
    """
    from rasa.utils.endpoints import EndpointConfig

    section = (yaml.safe_load(Path(endpoints).read_text(encoding="utf-8")) or {}).get("event_broker")
    if not section:
        return None
    expanded: dict[str, Any] = {}
    for key, value in section.items():
        expanded[key] = _expand(value, endpoints)
    return EndpointConfig.from_dict(expanded)


def _expand(value: Any, endpoints: Path) -> Any:
    if isinstance(value, list):
        return [_expand(item, endpoints) for item in value]
    if not isinstance(value, str):
        return value
    result = os.path.expandvars(value)
    if "${" in result:
        raise BrokerSettingsMissing(
            f"{endpoints}: event_broker needs {result[result.index('${') :].split('}')[0]}}}"
        )
    return result


async def connect_broker(endpoints: Path) -> Any:
    """The connected event broker of ``endpoints``, or None when it configures none."""
    from rasa.core.brokers.broker import EventBroker

    config = broker_config(endpoints)
    if config is None:
        return None
    require_erase_settings(event_broker=_broker_class(config))
    from rasa.shared.exceptions import ConnectionException

    try:
        broker = await EventBroker.create(config)
    except ConnectionException as error:
        raise ConnectionError(f"{endpoints}: cannot connect to the event broker") from error
    if broker is None:
        raise ConnectionError(f"{endpoints}: the event broker could not be created")
    return broker


def _broker_class(config: Any) -> type:
    """The configured broker class, for the production check."""
    from rasa.shared.utils.common import class_from_module_path

    if config.type == "pika":
        from rasa.core.brokers.pika import PikaEventBroker

        return PikaEventBroker
    return class_from_module_path(config.type)


def _registered_holders() -> dict[str, CopyHolder]:
    """The registered stores; none registered is a wiring mistake that would leave copies behind."""
    holders = copy_holders()
    if not holders:
        raise RuntimeError("No store is registered for retention: call bot.every_copy.register_every_store()")
    return holders


def erase_copies(sender_ids: Iterable[str], handoff_url: str | None = None) -> dict[str, int]:
    """Deletes what the registered stores hold of the given conversations; rows deleted per store.

    The stores are those registered with :func:`bot.privacy.erase_hooks.register_copy_holder`
    (handoffs, review items, channel bookkeeping: :mod:`bot.every_copy`).
    """
    sender_ids = list(sender_ids)
    return {
        name: holder.forget(sender_ids, handoff_url) if sender_ids else 0
        for name, holder in _registered_holders().items()
    }


def purge_idle_copies(
    policy: RetentionPolicy, handoff_url: str | None = None, now: float | None = None
) -> dict[str, int]:
    """Deletes what each registered store holds past its own retention; rows deleted per store."""
    return {
        name: holder.purge_idle(policy, handoff_url, now) for name, holder in _registered_holders().items()
    }


if __name__ == "__main__":
    raise SystemExit("The retention job is python -m bot.ops.purge (make purge)")
