"""What the caseworker pages share: who may read or act on a handoff, transcript lines, labels, audit.

Who may do what:
- a caseworker sees the queue, may open a waiting handoff (to decide to claim it) and the
  handoffs they hold or held; a handoff held by someone else answers 403;
- only the holder replies; the holder or a supervisor transfers and closes;
- supervisors read every handoff, the figures and the audit log (read-only: no route changes it).
Every view and action is written to the audit log.
"""

from __future__ import annotations

import asyncio
import time

from sanic import Request

from bot.handoff.models import PRIORITIES, Handoff, HandoffMessage, StaffUser
from bot.privacy.redaction import redact

PRIORITY_NAMES = {value: name for name, value in PRIORITIES.items()}
#: Topics and languages that have a label in the console catalogue (others are shown as stored).
TOPIC_KEYS = (
    "emergency", "violence", "child_protection", "disability", "elderly", "homelessness",
    "social_aid", "women", "kafala", "centers", "other",
)  # fmt: skip
LANGUAGE_KEYS = ("ary", "ary_Latn", "ar", "fr")
LABEL_GROUPS = {"topic": TOPIC_KEYS, "language": LANGUAGE_KEYS, "priority": tuple(PRIORITIES),
                "kind": ("live", "callback")}  # fmt: skip
#: Keys the caseworker templates build from values (listed for the console's catalogue check).
MESSAGE_KEYS = (
    *(f"priority.{n}" for n in PRIORITIES),
    *(f"topic.{t}" for t in TOPIC_KEYS),
    *(f"language.{code}" for code in LANGUAGE_KEYS),
    "author.citizen", "author.bot", "author.system",
    "event.handoff_claimed", "event.handoff_closed",
)  # fmt: skip


def can_read(user: StaffUser, handoff: Handoff) -> bool:
    """Supervisors read all; a caseworker reads a waiting handoff or one they hold or held."""
    if user.role == "supervisor":
        return True
    return handoff.status == "queued" or handoff.claimed_by == user.id


def holds(user: StaffUser, handoff: Handoff) -> bool:
    return handoff.status == "claimed" and handoff.claimed_by == user.id


def can_manage(user: StaffUser, handoff: Handoff) -> bool:
    """Transfer and close: the holder, or a supervisor."""
    return handoff.status == "claimed" and (handoff.claimed_by == user.id or user.role == "supervisor")


def present_messages(handoff: Handoff, messages: list[HandoffMessage], names: dict[int, str]) -> list[dict]:
    """Transcript lines as the page shows them; citizen and bot lines redacted without full consent."""
    lines = []
    for message in messages:
        text = message.text
        if handoff.consent_scope != "full" and message.author in ("citizen", "bot"):
            text = redact(text)
        lines.append({
            "id": message.id, "author": message.author, "event": message.event,
            "name": names.get(message.staff_id, "") if message.staff_id else "", "text": text,
            "at": message.created_at, "alert": bool(message.alert), "history": bool(message.history),
            "delivered": message.delivered_at is not None,
        })  # fmt: skip
    return lines


def label_helpers(request: Request) -> dict:
    """Template helpers that name priorities, topics and languages in the session's language."""
    lang = request.ctx.session.lang
    return {"priority_name": lambda p: PRIORITY_NAMES.get(p, "normal"), "priority_names": PRIORITY_NAMES,
            "topic_known": TOPIC_KEYS, "language_known": LANGUAGE_KEYS, "now": time.time(),
            "labels": request.app.ctx.labels[lang]}  # fmt: skip


async def run(fn, *args, **kwargs):
    """``fn`` in a thread: database calls never block the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


async def audit(request: Request, action: str, handoff_id: int | None = None, detail: str = "") -> None:
    """Writes ``action`` of the request's user to the audit log."""
    await run(request.app.ctx.store.audit, request.ctx.user.id, action, handoff_id, detail)
