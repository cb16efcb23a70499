"""Reads and changes the review queue in the console database (SQLite or PostgreSQL)."""

from __future__ import annotations

import time
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from bot.review.models import REVIEW_STATUSES, ReviewItem
from bot.stores.console_database import connect


class ReviewStore:
    """The review items behind one session factory (the console database's)."""

    def __init__(self, url: str | None = None, sessions: sessionmaker | None = None) -> None:
        self.sessions = sessions or connect(url)

    def pending(self, limit: int = 500) -> list[ReviewItem]:
        """Items waiting for a decision, newest first."""
        with self.sessions() as session:
            query = (
                sa.select(ReviewItem)
                .where(ReviewItem.status == "pending")
                .order_by(ReviewItem.said_at.desc(), ReviewItem.id.desc())
                .limit(limit)
            )
            return list(session.scalars(query))

    def get_many(self, ids: Iterable[int]) -> list[ReviewItem]:
        ids = list(ids)
        if not ids:
            return []
        with self.sessions() as session:
            return list(
                session.scalars(sa.select(ReviewItem).where(ReviewItem.id.in_(ids)).order_by(ReviewItem.id))
            )

    def decide(
        self, item_id: int, status: str, staff_id: int, intent: str | None = None, variety: str | None = None
    ) -> bool:
        """Records a decision on a pending item; False if it was decided (or erased) meanwhile."""
        if status not in REVIEW_STATUSES or status == "pending":
            raise ValueError(f"unknown decision {status!r}")
        with self.sessions.begin() as session:
            updated = session.execute(
                sa.update(ReviewItem)
                .where(ReviewItem.id == item_id, ReviewItem.status == "pending")
                .values(
                    status=status,
                    decided_at=time.time(),
                    decided_by=staff_id,
                    decided_intent=intent,
                    decided_variety=variety,
                )
            ).rowcount
        return updated == 1

    def reopen(self, item_id: int) -> None:
        """Back to pending (the decision could not be carried out)."""
        with self.sessions.begin() as session:
            session.execute(
                sa.update(ReviewItem)
                .where(ReviewItem.id == item_id)
                .values(
                    status="pending",
                    decided_at=None,
                    decided_by=None,
                    decided_intent=None,
                    decided_variety=None,
                )
            )

    def delete_conversation(self, conversation_hash: str) -> int:
        """Deletes every item of one conversation (erase); returns how many."""
        with self.sessions.begin() as session:
            return session.execute(
                sa.delete(ReviewItem).where(ReviewItem.conversation_hash == conversation_hash)
            ).rowcount

    def revoke(self, conversation_hash: str) -> int:
        """The citizen withdrew her agreement: deletes every item of her conversation; returns how many.

        Pending items leave the queue at once, and the records of decided ones go too. An example
        already accepted stays in the training data: it is content without any link to the
        conversation (nlu_writer), confirmed by an editor to hold nothing personal.
        """
        with self.sessions.begin() as session:
            return session.execute(
                sa.delete(ReviewItem).where(ReviewItem.conversation_hash == conversation_hash)
            ).rowcount

    def purge_expired(self, now: float | None = None) -> int:
        """Deletes items past their conversation's retention period; returns how many."""
        now = time.time() if now is None else now
        with self.sessions.begin() as session:
            return session.execute(sa.delete(ReviewItem).where(ReviewItem.expires_at < now)).rowcount

    def conversation_hashes(self) -> set[str]:
        with self.sessions() as session:
            return set(session.scalars(sa.select(ReviewItem.conversation_hash).distinct()))

    def delete_conversations(self, hashes: Iterable[str]) -> int:
        """Deletes the items of several conversations (gone from the tracker store)."""
        hashes = list(hashes)
        deleted = 0
        for start in range(0, len(hashes), 500):
            with self.sessions.begin() as session:
                deleted += session.execute(
                    sa.delete(ReviewItem).where(ReviewItem.conversation_hash.in_(hashes[start : start + 500]))
                ).rowcount
        return deleted
