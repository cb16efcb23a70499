"""Tables of the handoff store in the console database: staff, handoffs, their messages, callbacks,
the audit log and login attempts.

One schema for SQLite (embedded default) and PostgreSQL (production); Alembic migrations in
``bot/stores/console_migrations`` create it. Times are UTC epoch seconds (floats) so that both databases
and every process compare them the same way.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.stores.console_database import Base

#: Priorities, most urgent first; the integer orders the queue.
PRIORITIES = {"urgent": 0, "high": 1, "normal": 2}
ROLES = ("caseworker", "supervisor", "editor")
STATUSES = ("queued", "claimed", "closed")


class StaffUser(Base):
    """A console user. The password is an argon2 hash; ``last_seen_at`` tells who is online.

    ``session_epoch`` is copied into each session cookie at login; raising it (logout, password
    change, deactivation) makes every cookie issued before worthless at once.
    """

    __tablename__ = "staff_users"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    display_name = sa.Column(sa.String(128), nullable=False)
    password_hash = sa.Column(sa.String(256), nullable=False)
    role = sa.Column(sa.String(16), nullable=False)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.Float, nullable=False)
    last_seen_at = sa.Column(sa.Float)
    session_epoch = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")


class Handoff(Base):
    """A conversation handed to people: queued, claimed by one caseworker, then closed."""

    __tablename__ = "handoffs"
    __table_args__ = (sa.Index("ix_handoffs_queue", "status", "priority", "created_at"),)

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    channel = sa.Column(sa.String(64))
    language = sa.Column(sa.String(16), nullable=False)
    topic = sa.Column(sa.String(64), nullable=False)
    priority = sa.Column(sa.Integer, nullable=False)
    kind = sa.Column(sa.String(16), nullable=False, default="live")  # live | callback
    consent_scope = sa.Column(sa.String(16), nullable=False)  # summary | full
    summary = sa.Column(sa.JSON, nullable=False, default=dict)
    status = sa.Column(sa.String(16), nullable=False, default="queued")
    created_at = sa.Column(sa.Float, nullable=False)
    claimed_at = sa.Column(sa.Float)
    claimed_by = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id"))
    closed_at = sa.Column(sa.Float)
    outcome = sa.Column(sa.String(32))
    internal_note = sa.Column(sa.Text)
    alert_at = sa.Column(sa.Float)  # the citizen signalled danger during the handoff
    callback_phone = sa.Column(sa.LargeBinary)  # encrypted; only with the citizen's consent
    erased = sa.Column(sa.Boolean, nullable=False, default=False)


class HandoffMessage(Base):
    """One line of a handoff's transcript, or a caseworker reply waiting to be delivered.

    ``author`` is ``citizen``, ``bot`` or ``caseworker``; ``history`` marks lines copied from the
    conversation before the handoff (only with consent to share the whole conversation).
    Caseworker replies are an outbox: ``delivered_at`` stays empty until Rasa accepted them, so
    a reply written while Rasa is down is delivered when it is back.
    """

    __tablename__ = "handoff_messages"

    id = sa.Column(sa.Integer, primary_key=True)
    handoff_id = sa.Column(
        sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author = sa.Column(sa.String(16), nullable=False)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id"))
    text = sa.Column(sa.Text, nullable=False)
    history = sa.Column(sa.Boolean, nullable=False, default=False)
    alert = sa.Column(sa.Boolean, nullable=False, default=False)
    created_at = sa.Column(sa.Float, nullable=False)
    delivered_at = sa.Column(sa.Float)
    delivery_attempts = sa.Column(sa.Integer, nullable=False, default=0)
    #: Outbox notices to the bot (author ``system``): ``handoff_claimed`` or ``handoff_closed``.
    event = sa.Column(sa.String(32))
    #: Not delivered before this time: leased by a delivery worker, or backing off after a failure.
    not_before = sa.Column(sa.Float)


class AuditEntry(Base):
    """Who did what and when. Written by the console, never updated or deleted by it."""

    __tablename__ = "audit_log"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.Float, nullable=False, index=True)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id"))
    action = sa.Column(sa.String(32), nullable=False)
    handoff_id = sa.Column(sa.Integer)
    detail = sa.Column(sa.String(255))


class LoginAttempt(Base):
    """One console login attempt, kept to rate-limit failures per username and per address."""

    __tablename__ = "login_attempts"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.Float, nullable=False, index=True)
    username = sa.Column(sa.String(64), nullable=False, index=True)
    ip = sa.Column(sa.String(64), nullable=False, index=True)
    success = sa.Column(sa.Boolean, nullable=False)
