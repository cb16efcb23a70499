"""Collects the messages the assistant did not understand well into the review queue.

``make review-collect`` (``python -m bot.review.collect``) reads the tracker store and writes
review items into the console database.

Why a batch job over the tracker store and not a hook in the tracker store's ``save``:
- nothing is added to the reply path: no second database, no sentence encoding (≈0.1–0.5 s per
  message on 2 cores) inside Rasa's turn;
- the rules need the whole conversation: a "no" judges the *previous* answer, a handoff makes the
  messages *before* it worth reviewing, and the citizen's agreement may come at the end (asked at
  goodbye) or be withdrawn later. Each run judges every conversation as it is now, and removes
  items that are no longer allowed;
- it is safe to repeat: an item is keyed by (salted conversation hash, tracker row id) with a
  unique constraint, inserted with "on conflict do nothing", so runs never duplicate, and two
  runs at once are harmless;
- erase and retention are enforced twice: the erase hook deletes a conversation's items at once,
  and every run deletes items whose conversation is gone from the tracker store (erased or
  purged) or past its retention period. Items carry ``expires_at`` = last event + the retention
  period of the conversation (sensitive or default, data/privacy/retention.yml).
Consent: a conversation gives messages only when its citizen agreed to help improve the assistant
(slot ``improve_consent``, :func:`bot.review.rules.may_collect`), the same rule for sensitive and
other conversations. Sharing with a caseworker (``share_scope``) is another purpose and never
counts. Without the agreement, or once withdrawn, the conversation's items are deleted; the
withdrawal also deletes them at once (:func:`revoke_review_items`, called by the action).

Texts are redacted (phone, CIN, e-mail, detectable names and addresses) before anything is stored
or encoded.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.privacy.conversation_hash import conversation_hash
from bot.privacy.retention import DAY, RetentionPolicy
from bot.privacy.retention import database_url as tracker_url
from bot.review.models import ReviewItem
from bot.review.personal_details import redact_for_review
from bot.review.rules import Candidate, candidates, may_collect
from bot.review.settings import DEFAULT_SETTINGS, ReviewSettings
from bot.review.store import ReviewStore

logger = logging.getLogger(__name__)
Encoder = Callable[[Sequence[str]], np.ndarray]
_events = sa.table(
    "events", sa.column("id"), sa.column("sender_id"), sa.column("timestamp"), sa.column("intent_name"),
    sa.column("data"),
)  # fmt: skip


@dataclass
class CollectReport:
    """What one run did."""

    conversations: int = 0
    collected: int = 0
    without_consent: int = 0
    removed: int = 0
    expired: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def default_encoder() -> Encoder:
    """The NLU pipeline's multilingual USE, loaded once."""
    from bot.embeddings.encoders import load_encoder

    return load_encoder("use").encode


def _conversations(connection: sa.engine.Connection) -> Iterable[tuple[str, list[tuple]]]:
    rows = connection.execution_options(stream_results=True).execute(
        sa.select(_events.c.id, _events.c.sender_id, _events.c.timestamp, _events.c.intent_name, _events.c.data)
        .order_by(_events.c.sender_id, _events.c.id)
    )  # fmt: skip
    for sender, group in itertools.groupby(rows, key=lambda row: row[1]):
        yield sender, list(group)


def _parse(rows: list[tuple]) -> list[dict]:
    events = []
    for row_id, _sender, _stamp, _intent, data in rows:
        try:
            event = json.loads(data) if isinstance(data, str) else dict(data or {})
        except ValueError:
            continue
        if isinstance(event, dict):
            event["id"] = int(row_id)
            events.append(event)
    return events


def _insert(session, rows: list[dict]):
    dialect = session.bind.dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    return session.execute(make(ReviewItem).values(rows).on_conflict_do_nothing())


def collect(
    review: ReviewStore,
    url: str | None = None,
    policy: RetentionPolicy | None = None,
    settings: ReviewSettings | None = None,
    encoder: Encoder | None = None,
    now: float | None = None,
) -> CollectReport:
    """One collection run over the tracker store at ``url``; see the module's docstring."""
    policy = policy or RetentionPolicy.load()
    settings = settings or ReviewSettings.load(DEFAULT_SETTINGS)
    now = time.time() if now is None else now
    report = CollectReport()
    engine = sa.create_engine(tracker_url(url))
    live: dict[str, str] = {}  # hash -> sender id, for conversations still in the tracker store
    fresh: list[tuple[str, float, Candidate]] = []
    try:
        if not sa.inspect(engine).has_table("events"):
            report.removed = review.delete_conversations(review.conversation_hashes())
            report.expired = review.purge_expired(now)
            return report
        with engine.connect() as connection:
            for sender, rows in _conversations(connection):
                report.conversations += 1
                digest = conversation_hash(sender)
                live[digest] = sender
                events = _parse(rows)
                if not may_collect(events):
                    report.without_consent += 1
                    report.removed += review.delete_conversation(digest)
                    continue
                is_sensitive = any(row[3] in policy.sensitive_intents for row in rows)
                last = max((row[2] or 0.0) for row in rows)
                expires_at = last + (policy.sensitive_days if is_sensitive else policy.default_days) * DAY
                with review.sessions.begin() as session:
                    session.execute(sa.update(ReviewItem).where(ReviewItem.conversation_hash == digest)
                                    .values(expires_at=expires_at))  # fmt: skip
                    known = set(
                        session.scalars(
                            sa.select(ReviewItem.event_id).where(ReviewItem.conversation_hash == digest)
                        )
                    )
                if expires_at < now:
                    continue
                for candidate in candidates(events, settings):
                    if candidate.event_id not in known:
                        candidate.text = redact_for_review(candidate.text)
                        fresh.append((digest, expires_at, candidate))
        report.collected = _store(review, fresh, encoder, now, report)
        # erased meanwhile (between reading and writing): the erase hook may have run before our insert
        with engine.connect() as connection:
            for digest in {d for d, _e, _c in fresh}:
                exists = connection.execute(
                    sa.select(_events.c.id).where(_events.c.sender_id == live[digest]).limit(1)
                ).first()
                if exists is None:
                    report.removed += review.delete_conversation(digest)
    finally:
        engine.dispose()
    report.removed += review.delete_conversations(review.conversation_hashes() - set(live))
    report.expired = review.purge_expired(now)
    return report


def _store(
    review: ReviewStore, fresh: list[tuple[str, float, Candidate]], encoder: Encoder | None, now: float,
    report: CollectReport,
) -> int:  # fmt: skip
    if not fresh:
        return 0
    encode = encoder or default_encoder()
    inserted = 0
    for start in range(0, len(fresh), 64):
        batch = fresh[start : start + 64]
        vectors = np.asarray(encode([c.text for _d, _e, c in batch]), dtype=np.float32)
        rows = [
            {"conversation_hash": digest, "event_id": c.event_id, "text": c.text, "reasons": ",".join(c.reasons),
             "intent": c.intent, "confidence": c.confidence, "ranking": c.ranking, "language": c.language,
             "script": c.script, "embedding": vector.tobytes(), "said_at": c.timestamp, "collected_at": now,
             "expires_at": expires_at, "status": "pending"}
            for (digest, expires_at, c), vector in zip(batch, vectors, strict=True)
        ]  # fmt: skip
        with review.sessions.begin() as session:
            inserted += _insert(session, rows).rowcount or 0
        for _d, _e, c in batch:
            for reason in c.reasons:
                report.reasons[reason] = report.reasons.get(reason, 0) + 1
    return inserted


def erase_review_items(sender_id: str, _channel: str | None = None) -> None:
    """Erase hook: the erased conversation's review items go with it (handoff database of the env)."""
    ReviewStore().delete_conversation(conversation_hash(sender_id))


def revoke_review_items(sender_id: str, url: str | None = None) -> int:
    """The citizen withdrew her agreement: her items still waiting for an editor go at once."""
    return ReviewStore(url).revoke(conversation_hash(sender_id))


def main(argv: Iterable[str] | None = None) -> None:
    """CLI: ``python -m bot.review.collect [--db TRACKER_URL] [--handoff-db URL]``."""
    parser = argparse.ArgumentParser(description="Collect misunderstood messages into the review queue.")
    parser.add_argument(
        "--db", help="tracker store URL or SQLite file (default: TRACKER_DB_URL / TRACKER_DB)"
    )
    parser.add_argument(
        "--handoff-db", help="console database URL (default: HANDOFF_DB_URL / var/handoff.db)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    report = collect(ReviewStore(args.handoff_db), args.db)
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(report.reasons.items())) or "none"
    print(f"review queue: {report.conversations} conversation(s) read, {report.collected} new item(s) ({reasons}), "
          f"{report.without_consent} conversation(s) without the agreement to help improve the assistant, "
          f"{report.removed} item(s) removed (erased, purged or agreement withdrawn), {report.expired} expired")  # fmt: skip


if __name__ == "__main__":
    main()
