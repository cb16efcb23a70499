"""Operations on the handoff queue, used by the bot's actions, the console and the tools.

Every state change is one conditional UPDATE (``… WHERE status = 'queued'``), so when two
caseworkers claim the same handoff at the same moment exactly one row is updated and exactly one
wins, on SQLite and on PostgreSQL alike, in one process or many.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from bot.handoff.models import PRIORITIES, AuditEntry, Handoff, HandoffMessage, StaffUser
from bot.stores.console_database import connect

#: How recently a console must have been seen for its caseworker to count as available.
ONLINE_WINDOW_SECONDS = 120.0
#: Handling time assumed before any handoff has been closed.
DEFAULT_HANDLING_MINUTES = 10.0
#: How many recent closed handoffs the wait estimate looks at.
RECENT_HANDOFFS = 30
OPEN_STATUSES = ("queued", "claimed")
#: Outbox authors: caseworker replies and ``system`` notices (claimed/closed) for the bot.
OUTBOX_AUTHORS = ("caseworker", "system")


@dataclass(frozen=True)
class QueuePlace:
    """Where a new handoff stands: its place in the queue and the estimated wait in minutes."""

    position: int
    wait_minutes: int


class HandoffStore:
    """Handoffs, staff and the audit log in the console database, behind one session factory."""

    def __init__(self, url: str | None = None, sessions: sessionmaker | None = None) -> None:
        self.sessions = sessions or connect(url)

    # --- the bot's side -------------------------------------------------------------------------

    def create(
        self,
        *,
        conversation_id: str,
        channel: str | None,
        language: str,
        topic: str,
        priority: str,
        consent_scope: str,
        summary: dict,
        history: Iterable[tuple[str, str, float]] = (),
        kind: str = "live",
        callback_phone: bytes | None = None,
        now: float | None = None,
    ) -> Handoff:
        """Queues a handoff; ``history`` lines (author, text, time) are copied only with full consent."""
        now = time.time() if now is None else now
        handoff = Handoff(
            conversation_id=conversation_id,
            channel=channel,
            language=language,
            topic=topic,
            priority=PRIORITIES[priority],
            kind=kind,
            consent_scope=consent_scope,
            summary=summary,
            status="queued",
            created_at=now,
            callback_phone=callback_phone,
            erased=False,
        )
        with self.sessions.begin() as session:
            session.add(handoff)
            session.flush()
            if consent_scope == "full":
                for author, text, at in history:
                    session.add(
                        HandoffMessage(
                            handoff_id=handoff.id, author=author, text=text, history=True,
                            alert=False, created_at=at, delivery_attempts=0,
                        )
                    )  # fmt: skip
        return handoff

    def open_for(self, conversation_id: str) -> Handoff | None:
        """The live handoff of a conversation that is still queued or claimed, if any."""
        with self.sessions() as session:
            return session.scalars(
                sa.select(Handoff)
                .where(
                    Handoff.conversation_id == conversation_id,
                    Handoff.kind == "live",
                    Handoff.status.in_(OPEN_STATUSES),
                )
                .order_by(Handoff.created_at.desc())
            ).first()

    def get(self, handoff_id: int) -> Handoff | None:
        with self.sessions() as session:
            return session.get(Handoff, handoff_id)

    def queue_place(self, handoff_id: int, now: float | None = None) -> QueuePlace:
        """Place in the queue (1 = next) and a wait estimate from recent handling times."""
        now = time.time() if now is None else now
        with self.sessions() as session:
            handoff = session.get(Handoff, handoff_id)
            if handoff is None or handoff.status != "queued":
                return QueuePlace(0, 0)
            ahead = session.scalar(
                sa.select(sa.func.count(Handoff.id)).where(
                    Handoff.status == "queued",
                    Handoff.kind == "live",
                    sa.or_(
                        Handoff.priority < handoff.priority,
                        sa.and_(
                            Handoff.priority == handoff.priority, Handoff.created_at < handoff.created_at
                        ),
                        sa.and_(
                            Handoff.priority == handoff.priority,
                            Handoff.created_at == handoff.created_at,
                            Handoff.id < handoff.id,
                        ),
                    ),
                )
            )
            position = int(ahead or 0) + 1
            minutes = self._handling_minutes(session)
            available = max(1, self._online_count(session, now))
        return QueuePlace(position, max(1, math.ceil(position * minutes / available)))

    def _handling_minutes(self, session) -> float:
        rows = session.execute(
            sa.select(Handoff.claimed_at, Handoff.closed_at)
            .where(Handoff.closed_at.is_not(None), Handoff.claimed_at.is_not(None))
            .order_by(Handoff.closed_at.desc())
            .limit(RECENT_HANDOFFS)
        ).all()
        durations = [(closed - claimed) / 60 for claimed, closed in rows if closed >= claimed]
        return statistics.median(durations) if durations else DEFAULT_HANDLING_MINUTES

    def _online_count(self, session, now: float) -> int:
        return int(
            session.scalar(
                sa.select(sa.func.count(StaffUser.id)).where(
                    StaffUser.active.is_(True),
                    StaffUser.role.in_(("caseworker", "supervisor")),
                    StaffUser.last_seen_at >= now - ONLINE_WINDOW_SECONDS,
                )
            )
            or 0
        )

    def staff_online(self, now: float | None = None) -> int:
        """How many caseworkers (or supervisors) have a console open right now."""
        with self.sessions() as session:
            return self._online_count(session, time.time() if now is None else now)

    def add_citizen_message(self, handoff_id: int, text: str, alert: bool = False) -> HandoffMessage:
        """Stores what the citizen wrote during the handoff; ``alert`` flags a danger signal."""
        now = time.time()
        with self.sessions.begin() as session:
            message = HandoffMessage(
                handoff_id=handoff_id, author="citizen", text=text, history=False, alert=alert,
                created_at=now, delivered_at=now, delivery_attempts=0,
            )  # fmt: skip
            session.add(message)
            if alert:
                session.execute(sa.update(Handoff).where(Handoff.id == handoff_id).values(alert_at=now))
        return message

    def add_bot_message(self, handoff_id: int, text: str) -> None:
        """Records what the bot itself told the citizen during the handoff (e.g. emergency lines)."""
        now = time.time()
        with self.sessions.begin() as session:
            session.add(
                HandoffMessage(
                    handoff_id=handoff_id, author="bot", text=text, history=False, alert=False,
                    created_at=now, delivered_at=now, delivery_attempts=0,
                )
            )  # fmt: skip

    # --- the console's side ---------------------------------------------------------------------

    def queue(self, limit: int | None = None) -> list[Handoff]:
        """Open handoffs, most urgent first, then longest waiting."""
        with self.sessions() as session:
            query = (
                sa.select(Handoff)
                .where(Handoff.status.in_(OPEN_STATUSES))
                .order_by(Handoff.status.desc(), Handoff.priority, Handoff.created_at, Handoff.id)
            )
            if limit:
                query = query.limit(limit)
            return list(session.scalars(query))

    def claim(self, handoff_id: int, staff_id: int, now: float | None = None) -> bool:
        """Takes a queued handoff; False when someone else was first."""
        now = time.time() if now is None else now
        with self.sessions.begin() as session:
            result = session.execute(
                sa.update(Handoff)
                .where(Handoff.id == handoff_id, Handoff.status == "queued")
                .values(status="claimed", claimed_by=staff_id, claimed_at=now)
            )
            won = result.rowcount == 1
            session.add(_audit(staff_id, "claim" if won else "claim_lost", handoff_id, now=now))
            if won:
                staff = session.get(StaffUser, staff_id)
                name = staff.display_name if staff else ""
                _notify_bot(session, handoff_id, "handoff_claimed", name, staff_id, now)
        return won

    def transfer(self, handoff_id: int, from_staff: int, to_staff: int, supervisor: bool = False) -> bool:
        """Hands a claimed handoff to another caseworker (its holder, or a supervisor, may do it)."""
        with self.sessions.begin() as session:
            condition = [Handoff.id == handoff_id, Handoff.status == "claimed"]
            if not supervisor:
                condition.append(Handoff.claimed_by == from_staff)
            result = session.execute(sa.update(Handoff).where(*condition).values(claimed_by=to_staff))
            done = result.rowcount == 1
            if done:
                session.add(_audit(from_staff, "transfer", handoff_id, f"to staff {to_staff}"))
        return done

    def close(
        self, handoff_id: int, staff_id: int, outcome: str, note: str = "", supervisor: bool = False
    ) -> bool:
        """Closes a claimed handoff with an outcome code and an internal note."""
        now = time.time()
        with self.sessions.begin() as session:
            condition = [Handoff.id == handoff_id, Handoff.status == "claimed"]
            if not supervisor:
                condition.append(Handoff.claimed_by == staff_id)
            result = session.execute(
                sa.update(Handoff).where(*condition).values(status="closed", closed_at=now, outcome=outcome,
                                                            internal_note=note)
            )  # fmt: skip
            done = result.rowcount == 1
            if done:
                session.add(_audit(staff_id, "close", handoff_id, outcome, now=now))
                _notify_bot(session, handoff_id, "handoff_closed", "", staff_id, now)
        return done

    def add_caseworker_message(self, handoff_id: int, staff_id: int, text: str) -> HandoffMessage | None:
        """Queues a reply for delivery; None unless ``staff_id`` holds the handoff."""
        now = time.time()
        with self.sessions.begin() as session:
            handoff = session.get(Handoff, handoff_id)
            if handoff is None or handoff.status != "claimed" or handoff.claimed_by != staff_id:
                return None
            message = HandoffMessage(
                handoff_id=handoff_id, author="caseworker", staff_id=staff_id, text=text, history=False,
                alert=False, created_at=now, delivery_attempts=0,
            )  # fmt: skip
            session.add(message)
            session.flush()
            session.add(_audit(staff_id, "reply", handoff_id, now=now))
        return message

    def messages(self, handoff_id: int, after_id: int = 0) -> list[HandoffMessage]:
        """The transcript of a handoff (history first, then live lines), after a given message id."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    sa.select(HandoffMessage)
                    .where(HandoffMessage.handoff_id == handoff_id, HandoffMessage.id > after_id)
                    .order_by(HandoffMessage.id)
                )
            )

    def undelivered(self, limit: int = 100) -> list[tuple[HandoffMessage, Handoff]]:
        """Caseworker replies and notices not yet accepted by Rasa, oldest first (the outbox)."""
        with self.sessions() as session:
            return list(
                session.execute(
                    sa.select(HandoffMessage, Handoff)
                    .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
                    .where(HandoffMessage.author.in_(OUTBOX_AUTHORS), HandoffMessage.delivered_at.is_(None))
                    .order_by(HandoffMessage.id)
                    .limit(limit)
                ).all()
            )

    def lease(self, message_id: int, seconds: float, now: float | None = None) -> bool:
        """Reserves an outbox row for one delivery worker; False if another holds it or it is done.

        With several console processes each runs a worker; the lease keeps them from sending the
        same reply twice, and expires so a crashed worker's rows are picked up again.
        """
        now = time.time() if now is None else now
        with self.sessions.begin() as session:
            result = session.execute(
                sa.update(HandoffMessage)
                .where(
                    HandoffMessage.id == message_id,
                    HandoffMessage.delivered_at.is_(None),
                    sa.or_(HandoffMessage.not_before.is_(None), HandoffMessage.not_before <= now),
                )
                .values(not_before=now + seconds)
            )
            return result.rowcount == 1

    def mark_delivered(self, message_id: int, delivered: bool, retry_at: float | None = None) -> None:
        """Records a delivery attempt of an outbox row and whether it succeeded.

        ``retry_at`` (after a failure) holds the row back until then, so retries back off.
        """
        values: dict = {"delivery_attempts": HandoffMessage.delivery_attempts + 1}
        if delivered:
            values["delivered_at"] = time.time()
        elif retry_at is not None:
            values["not_before"] = retry_at
        with self.sessions.begin() as session:
            session.execute(sa.update(HandoffMessage).where(HandoffMessage.id == message_id).values(**values))

    def audit(
        self, staff_id: int | None, action: str, handoff_id: int | None = None, detail: str = ""
    ) -> None:
        """Appends one audit line."""
        with self.sessions.begin() as session:
            session.add(_audit(staff_id, action, handoff_id, detail))

    # --- privacy ----------------------------------------------------------------------------------

    def erase_conversation(
        self, conversation_id: str, channel: str | None = None, audit_action: str = "erased_by_user"
    ) -> int:
        """Deletes every handoff of a conversation (open or closed) with its transcript and callback
        number; keeps an anonymous audit line (``audit_action``: erased by the citizen, or by retention)."""
        with self.sessions.begin() as session:
            ids = list(
                session.scalars(sa.select(Handoff.id).where(Handoff.conversation_id == conversation_id))
            )
            if ids:
                session.execute(sa.delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(ids)))
                session.execute(sa.delete(Handoff).where(Handoff.id.in_(ids)))
                session.add(_audit(None, audit_action, None, f"channel {channel or '?'}"))
        return len(ids)

    def purge_before(
        self, sensitive_cutoff: float, default_cutoff: float, sensitive_topics: Iterable[str]
    ) -> int:
        """Deletes handoffs, open or closed, idle since before their retention cutoff.

        Sensitive topics have the shorter period. Idle means no creation, claim, closing, alert or
        transcript line since the cutoff, so a queued callback request or a claimed handoff nobody
        touched for the whole period goes too (with its callback number), while one a caseworker
        is still working on stays. The delete re-checks the condition, so a handoff that became
        active meanwhile is left alone.
        """
        topics = tuple(sensitive_topics)
        expired = sa.or_(
            sa.and_(Handoff.topic.in_(topics), _idle_since(sensitive_cutoff)),
            sa.and_(Handoff.topic.not_in(topics), _idle_since(default_cutoff)),
        )
        with self.sessions.begin() as session:
            ids = list(session.scalars(sa.select(Handoff.id).where(expired)))
            if not ids:
                return 0
            deleted = session.execute(
                sa.delete(Handoff)
                .where(Handoff.id.in_(ids), expired)
                .execution_options(synchronize_session=False)
            ).rowcount
            gone = sa.select(Handoff.id).where(Handoff.id.in_(ids))
            session.execute(
                sa.delete(HandoffMessage)
                .where(HandoffMessage.handoff_id.in_(ids), HandoffMessage.handoff_id.not_in(gone))
                .execution_options(synchronize_session=False)
            )
            session.add(_audit(None, "retention_purge", None, f"{deleted} handoffs"))
        return deleted

    # --- staff ------------------------------------------------------------------------------------

    def add_staff(self, username: str, display_name: str, password_hash: str, role: str) -> StaffUser:
        with self.sessions.begin() as session:
            user = StaffUser(
                username=username, display_name=display_name, password_hash=password_hash, role=role,
                active=True, created_at=time.time(),
            )  # fmt: skip
            session.add(user)
        return user

    def staff_by_username(self, username: str) -> StaffUser | None:
        with self.sessions() as session:
            return session.scalars(sa.select(StaffUser).where(StaffUser.username == username)).first()

    def revoke_staff_sessions(self, staff_id: int) -> None:
        """Ends every console session of the user (each cookie carries the epoch it was issued in)."""
        with self.sessions.begin() as session:
            session.execute(
                sa.update(StaffUser)
                .where(StaffUser.id == staff_id)
                .values(session_epoch=StaffUser.session_epoch + 1)
            )

    def touch_staff(self, staff_id: int, now: float | None = None) -> None:
        """Marks a console user as present (called on every request and SSE tick)."""
        with self.sessions.begin() as session:
            session.execute(
                sa.update(StaffUser).where(StaffUser.id == staff_id).values(last_seen_at=now or time.time())
            )


def _idle_since(cutoff: float) -> sa.ColumnElement:
    """A handoff with no activity at or after ``cutoff``."""
    recent_line = sa.exists().where(
        HandoffMessage.handoff_id == Handoff.id, HandoffMessage.created_at >= cutoff
    )
    return sa.and_(
        Handoff.created_at < cutoff,
        *(
            sa.or_(column.is_(None), column < cutoff)
            for column in (Handoff.claimed_at, Handoff.closed_at, Handoff.alert_at)
        ),
        ~recent_line,
    )


def _notify_bot(session, handoff_id: int, event: str, text: str, staff_id: int, now: float) -> None:
    """Queues a notice for the bot in the outbox, in the transaction of the change it announces.

    Only live handoffs have a citizen waiting in the chat; a callback request has nobody to tell.
    """
    kind = session.scalar(sa.select(Handoff.kind).where(Handoff.id == handoff_id))
    if kind != "live":
        return
    session.add(
        HandoffMessage(
            handoff_id=handoff_id, author="system", staff_id=staff_id, text=text, history=False,
            alert=False, created_at=now, delivery_attempts=0, event=event,
        )
    )  # fmt: skip


def _audit(
    staff_id: int | None, action: str, handoff_id: int | None, detail: str = "", now: float | None = None
):
    return AuditEntry(at=now or time.time(), staff_id=staff_id, action=action, handoff_id=handoff_id,
                      detail=detail[:255])  # fmt: skip
