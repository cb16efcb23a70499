"""Retention job: deletes conversations older than their retention period (``make purge``).

Sensitive conversations (violence, emergency, child protection) are kept ``sensitive_days``
(default 30), others ``default_days`` (180), counted from the conversation's last event. Each
conversation is deleted by one statement that re-checks its age, so the job is safe to run
repeatedly and concurrently with itself and with live traffic: a conversation that received a
new message meanwhile is left alone. An anonymous audit row records each deletion.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa
import yaml

from bot.stores.erasing_tracker_store import erasure_audit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = ROOT / "data" / "privacy" / "retention.yml"
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
    if os.environ.get("TRACKER_DB_URL"):
        return os.environ["TRACKER_DB_URL"]
    return f"sqlite:///{os.environ.get('TRACKER_DB', ROOT / 'var' / 'tracker.db')}"


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


def purge(url: str, policy: RetentionPolicy, now: float | None = None) -> dict[str, int]:
    """Deletes expired conversations; returns counts of sensitive and other conversations deleted."""
    now = time.time() if now is None else now
    engine = sa.create_engine(url)
    counts = {"sensitive": 0, "other": 0}
    try:
        if not sa.inspect(engine).has_table("events"):
            return counts
        erasure_audit.metadata.create_all(engine, checkfirst=True)
        with engine.connect() as connection:
            expired = _expired(connection, policy, now)
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
    finally:
        engine.dispose()
    return counts


def main(argv: Iterable[str] | None = None) -> None:
    """CLI: ``python -m bot.privacy.retention [--db URL_OR_SQLITE_PATH] [--policy FILE]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="SQLAlchemy URL or SQLite file (default: TRACKER_DB_URL / TRACKER_DB)")
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY)
    parser.add_argument("--handoff-db", help="handoff database URL or SQLite file (default: HANDOFF_DB_URL)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    policy = RetentionPolicy.load(args.policy)
    counts = purge(database_url(args.db), policy)
    print(f"purged {counts['sensitive']} sensitive and {counts['other']} other conversation(s)")
    print(f"purged {purge_handoffs(policy, args.handoff_db)} closed handoff(s) with their transcripts")
    print(f"purged {purge_review_items(args.handoff_db)} review item(s) past their conversation's retention")


def purge_review_items(url: str | None = None, now: float | None = None) -> int:
    """Deletes review-queue items past their conversation's retention period (bot/review)."""
    from bot.review.store import ReviewStore

    return ReviewStore(url).purge_expired(now)


def purge_handoffs(policy: RetentionPolicy, url: str | None = None, now: float | None = None) -> int:
    """Deletes closed handoffs (and transcripts) older than the same retention periods."""
    from bot.handoff.store import HandoffStore

    now = time.time() if now is None else now
    return HandoffStore(url).purge_before(
        now - policy.sensitive_days * DAY, now - policy.default_days * DAY, policy.sensitive_intents
    )


if __name__ == "__main__":
    main()
