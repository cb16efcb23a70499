"""The review queue's table, in the console database (migration 0003)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.stores.console_database import Base

#: Why a message was collected.
REASONS = ("fallback", "low_confidence", "denied", "handoff")
#: pending → one of the editor's decisions.
REVIEW_STATUSES = ("pending", "accepted", "out_of_scope", "discarded")


class ReviewItem(Base):
    """One citizen message to review, redacted, with what the NLU made of it.

    ``conversation_hash`` is a salted hash of the sender id (never the id itself), so erase and
    retention can find the items of a conversation. ``event_id`` is the message's row id in the
    tracker store: with the hash it makes collection idempotent. Decided items are kept (so a
    new run does not bring them back) until their conversation is erased or expires.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        sa.UniqueConstraint("conversation_hash", "event_id", name="uq_review_items_message"),
        sa.Index("ix_review_items_status", "status", "said_at"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_hash = sa.Column(sa.String(64), nullable=False, index=True)
    event_id = sa.Column(sa.BigInteger, nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    reasons = sa.Column(sa.String(64), nullable=False)
    intent = sa.Column(sa.String(64))
    confidence = sa.Column(sa.Float)
    ranking = sa.Column(sa.JSON, nullable=False, default=list)
    language = sa.Column(sa.String(8))
    script = sa.Column(sa.String(8))
    embedding = sa.Column(sa.LargeBinary)
    said_at = sa.Column(sa.Float, nullable=False)
    collected_at = sa.Column(sa.Float, nullable=False)
    expires_at = sa.Column(sa.Float, nullable=False, index=True)
    status = sa.Column(sa.String(16), nullable=False, default="pending")
    decided_at = sa.Column(sa.Float)
    decided_by = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id"))
    decided_intent = sa.Column(sa.String(64))
    decided_variety = sa.Column(sa.String(16))
