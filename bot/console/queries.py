"""Read-only questions the console asks the console database beyond :class:`HandoffStore`.

Queue change detection for the live pages, the supervisor's figures and the audit log listing.
Nothing here writes: the audit log in particular has no update or delete anywhere in the console.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from bot.handoff.models import AuditEntry, Handoff, HandoffMessage, StaffUser
from bot.handoff.store import ONLINE_WINDOW_SECONDS, OPEN_STATUSES

HISTORY_DAYS = 14


def queue_fingerprint(sessions: sessionmaker) -> tuple:
    """Changes whenever a handoff is added, claimed, transferred, closed, alerted or erased."""
    with sessions() as session:
        row = session.execute(
            sa.select(
                sa.func.count(Handoff.id),
                sa.func.max(Handoff.id),
                sa.func.sum(sa.case((Handoff.status == "queued", 1), else_=0)),
                sa.func.sum(sa.func.coalesce(Handoff.claimed_by, 0) * Handoff.id),
                sa.func.max(Handoff.claimed_at),
                sa.func.max(Handoff.closed_at),
                sa.func.max(Handoff.alert_at),
            ).where(sa.or_(Handoff.status.in_(OPEN_STATUSES), Handoff.closed_at.is_not(None)))
        ).one()
    return tuple(row)


QUEUE_COLUMNS = (
    Handoff.id, Handoff.status, Handoff.priority, Handoff.topic, Handoff.language, Handoff.channel,
    Handoff.kind, Handoff.created_at, Handoff.claimed_by, Handoff.alert_at,
)  # fmt: skip


def queue_rows(sessions: sessionmaker) -> list:
    """Open handoffs for the queue page, in the store's order, as light rows (no transcript, no summary).

    The page lists every open handoff, so this reads only the columns it shows.
    """
    with sessions() as session:
        return list(
            session.execute(
                sa.select(*QUEUE_COLUMNS)
                .where(Handoff.status.in_(OPEN_STATUSES))
                .order_by(Handoff.status.desc(), Handoff.priority, Handoff.created_at, Handoff.id)
            ).all()
        )


def handoff_state(sessions: sessionmaker, handoff_id: int) -> tuple | None:
    """Status, holder and alert time of one handoff (what makes a conversation page reload)."""
    with sessions() as session:
        row = session.execute(
            sa.select(Handoff.status, Handoff.claimed_by, Handoff.alert_at).where(Handoff.id == handoff_id)
        ).first()
    return tuple(row) if row else None


def delivered_ids(sessions: sessionmaker, handoff_id: int) -> set[int]:
    """Caseworker replies of a handoff that Rasa has accepted."""
    with sessions() as session:
        return set(
            session.scalars(
                sa.select(HandoffMessage.id).where(
                    HandoffMessage.handoff_id == handoff_id,
                    HandoffMessage.author == "caseworker",
                    HandoffMessage.delivered_at.is_not(None),
                )
            )
        )


def staff_names(sessions: sessionmaker) -> dict[int, str]:
    with sessions() as session:
        return dict(session.execute(sa.select(StaffUser.id, StaffUser.display_name)).all())


def colleagues(sessions: sessionmaker, exclude: int) -> list[StaffUser]:
    """Active caseworkers and supervisors a handoff can be transferred to."""
    with sessions() as session:
        return list(
            session.scalars(
                sa.select(StaffUser)
                .where(StaffUser.active.is_(True), StaffUser.role.in_(("caseworker", "supervisor")),
                       StaffUser.id != exclude)
                .order_by(StaffUser.display_name)
            )
        )  # fmt: skip


def transfer_target_ok(sessions: sessionmaker, staff_id: int) -> bool:
    with sessions() as session:
        user = session.get(StaffUser, staff_id)
        return bool(user and user.active and user.role in ("caseworker", "supervisor"))


@dataclass(frozen=True)
class DayStats:
    day: str
    created: int
    handled: int
    median_wait_minutes: float | None
    median_handling_minutes: float | None


@dataclass(frozen=True)
class SupervisorStats:
    queued_live: int
    queued_callback: int
    in_progress: int
    staff_online: int
    queued_by_priority: dict[int, int]
    longest_wait_minutes: float | None
    median_current_wait_minutes: float | None
    median_wait_minutes: float | None
    median_handling_minutes: float | None
    days: list[DayStats]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def supervisor_stats(sessions: sessionmaker, timezone: str, now: float | None = None) -> SupervisorStats:
    """Queue length and waits now; per day over the last 14 days: created, handled, medians."""
    now = time.time() if now is None else now
    zone = ZoneInfo(timezone)
    today = datetime.fromtimestamp(now, zone).date()
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    since = datetime(first_day.year, first_day.month, first_day.day, tzinfo=zone).timestamp()
    with sessions() as session:
        queued = session.execute(
            sa.select(Handoff.kind, Handoff.priority, Handoff.created_at).where(Handoff.status == "queued")
        ).all()
        in_progress = session.scalar(sa.select(sa.func.count(Handoff.id)).where(Handoff.status == "claimed"))
        online = session.scalar(
            sa.select(sa.func.count(StaffUser.id)).where(
                StaffUser.active.is_(True), StaffUser.role.in_(("caseworker", "supervisor")),
                StaffUser.last_seen_at >= now - ONLINE_WINDOW_SECONDS,
            )
        )  # fmt: skip
        recent = session.execute(
            sa.select(Handoff.created_at, Handoff.claimed_at, Handoff.closed_at).where(
                sa.or_(Handoff.created_at >= since, Handoff.closed_at >= since)
            )
        ).all()
    waits_now = [(now - created) / 60 for _kind, _priority, created in queued]
    by_priority: dict[int, int] = {}
    for _kind, priority, _created in queued:
        by_priority[priority] = by_priority.get(priority, 0) + 1
    days = {first_day + timedelta(days=i): {"created": 0, "handled": 0, "waits": [], "handling": []}
            for i in range(HISTORY_DAYS)}  # fmt: skip
    all_waits, all_handling = [], []
    for created, claimed, closed in recent:
        created_day = datetime.fromtimestamp(created, zone).date()
        if created_day in days:
            days[created_day]["created"] += 1
        if claimed is not None and claimed >= since:
            wait = max(0.0, (claimed - created) / 60)
            all_waits.append(wait)
            claimed_day = datetime.fromtimestamp(claimed, zone).date()
            if claimed_day in days:
                days[claimed_day]["waits"].append(wait)
        if closed is not None and claimed is not None and closed >= since:
            handling = max(0.0, (closed - claimed) / 60)
            all_handling.append(handling)
            closed_day = datetime.fromtimestamp(closed, zone).date()
            if closed_day in days:
                days[closed_day]["handled"] += 1
                days[closed_day]["handling"].append(handling)
    return SupervisorStats(
        queued_live=sum(1 for kind, _p, _c in queued if kind == "live"),
        queued_callback=sum(1 for kind, _p, _c in queued if kind != "live"),
        in_progress=int(in_progress or 0),
        staff_online=int(online or 0),
        queued_by_priority=by_priority,
        longest_wait_minutes=round(max(waits_now), 1) if waits_now else None,
        median_current_wait_minutes=_median(waits_now),
        median_wait_minutes=_median(all_waits),
        median_handling_minutes=_median(all_handling),
        days=[
            DayStats(day.isoformat(), d["created"], d["handled"], _median(d["waits"]), _median(d["handling"]))
            for day, d in sorted(days.items(), reverse=True)
        ],
    )


def audit_page(sessions: sessionmaker, before_id: int | None = None, limit: int = 100) -> list[tuple]:
    """Audit lines newest first, ``limit`` at a time (``before_id`` pages back), with usernames."""
    with sessions() as session:
        query = (
            sa.select(AuditEntry, StaffUser.username)
            .outerjoin(StaffUser, StaffUser.id == AuditEntry.staff_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        if before_id:
            query = query.where(AuditEntry.id < before_id)
        return list(session.execute(query).all())
