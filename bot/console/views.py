"""The console's pages and actions: queue, claim, conversation, reply, transfer, close, supervisor.

Who may do what:
- a caseworker sees the queue, may open a waiting handoff (to decide to claim it) and the
  handoffs they hold or held; a handoff held by someone else answers 403;
- only the holder replies; the holder or a supervisor transfers and closes;
- supervisors read every handoff, the figures and the audit log (read-only: no route changes it).
Every view and action is written to the audit log.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path

from sanic import Sanic, response

from bot.console import queries
from bot.console.auth import WORK_ROLES, requires_role, session_user
from bot.console.i18n import labels
from bot.handoff.callback_crypto import decrypt_phone
from bot.handoff.models import PRIORITIES, Handoff, HandoffMessage, StaffUser
from bot.privacy.redaction import redact

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_REPLY_CHARS = 2000
MAX_NOTE_CHARS = 2000
#: An open event stream re-checks its session this often, so a revoked session loses it within seconds.
REVOCATION_CHECK_SECONDS = 1.0
PRIORITY_NAMES = {value: name for name, value in PRIORITIES.items()}
NOTICES = ("claim_lost", "closed", "transferred")
#: Topics and languages that have a label in the console catalogue (others are shown as stored).
TOPIC_KEYS = (
    "emergency", "violence", "child_protection", "disability", "elderly", "homelessness",
    "social_aid", "women", "kafala", "centers", "other",
)  # fmt: skip
LANGUAGE_KEYS = ("ary", "ary_Latn", "ar", "fr")
MESSAGE_KEYS = (
    *(f"notice.{n}" for n in NOTICES),
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


def _fingerprint(values: tuple) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def _sse(event: str, data: dict, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def register(app: Sanic) -> None:
    """Adds the pages to ``app``."""
    ctx = app.ctx

    def store():
        return ctx.store

    async def run(fn, *args, **kwargs):
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def audit(request, action: str, handoff_id: int | None = None, detail: str = "") -> None:
        await run(store().audit, request.ctx.user.id, action, handoff_id, detail)

    label_groups = {"topic": TOPIC_KEYS, "language": LANGUAGE_KEYS, "priority": tuple(PRIORITIES),
                    "kind": ("live", "callback")}  # fmt: skip
    ctx.labels = {lang: labels(lang, label_groups) for lang in ctx.envs}

    def label_helpers(request=None) -> dict:
        lang = request.ctx.session.lang if request is not None else "fr"
        return {"priority_name": lambda p: PRIORITY_NAMES.get(p, "normal"), "priority_names": PRIORITY_NAMES,
                "topic_known": TOPIC_KEYS, "language_known": LANGUAGE_KEYS, "now": time.time(),
                "labels": ctx.labels[lang]}  # fmt: skip

    async def queue_context(request) -> dict:
        user = request.ctx.user
        handoffs = await run(queries.queue_rows, store().sessions)
        names = await run(queries.staff_names, store().sessions)
        fingerprint = _fingerprint(await run(queries.queue_fingerprint, store().sessions))
        waiting = [h for h in handoffs if h.status == "queued"]
        mine = [h for h in handoffs if h.status == "claimed" and h.claimed_by == user.id]
        others = [h for h in handoffs if h.status == "claimed" and h.claimed_by != user.id]
        return {"waiting": waiting, "mine": mine, "others": others if user.role == "supervisor" else [],
                "others_count": len(others), "names": names, "version": fingerprint, **label_helpers(request)}  # fmt: skip

    @app.get("/queue")
    @requires_role(*WORK_ROLES)
    async def queue_page(request, status: int = 200, notice: str | None = None):
        notice = notice or request.args.get("notice")
        context = await queue_context(request)
        return await ctx.render(request, "queue.html", status=status,
                                notice=notice if notice in NOTICES else None, **context)  # fmt: skip

    @app.get("/queue/rows")
    @requires_role(*WORK_ROLES)
    async def queue_rows(request):
        return await ctx.render(request, "_queue_tables.html", **(await queue_context(request)))

    @app.get("/queue/events")
    @requires_role(*WORK_ROLES)
    async def queue_events(request):
        """Server-sent events: ``queue`` whenever the queue changed since the page's version."""
        user_id = request.ctx.user.id
        known = request.args.get("v", "")
        stream = await request.respond(content_type="text/event-stream",
                                       headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})  # fmt: skip
        await stream.send("retry: 2000\n\n")
        async for _tick in _ticks(app, user_id, stream, request.ctx.session.epoch):
            version = _fingerprint(await run(queries.queue_fingerprint, store().sessions))
            if version != known:
                known = version
                await stream.send(_sse("queue", {"v": version}))

    @app.post("/handoffs/<handoff_id:int>/claim")
    @requires_role(*WORK_ROLES)
    async def claim(request, handoff_id: int):
        handoff = await run(store().get, handoff_id)
        if handoff is None:
            return await ctx.render_error(request, 404, "error.not_found")
        won = await run(store().claim, handoff_id, request.ctx.user.id)  # audited by the store
        if not won:
            return await queue_page(request, status=409, notice="claim_lost")
        ctx.worker.wake()
        return response.redirect(f"/handoffs/{handoff_id}", status=303)

    async def readable(request, handoff_id: int) -> Handoff | response.HTTPResponse:
        handoff = await run(store().get, handoff_id)
        if handoff is None or handoff.erased:
            return await ctx.render_error(request, 404, "error.not_found")
        if not can_read(request.ctx.user, handoff):
            await audit(request, "view_denied", handoff_id)
            return await ctx.render_error(request, 403, "error.forbidden")
        return handoff

    @app.get("/handoffs/<handoff_id:int>")
    @requires_role(*WORK_ROLES)
    async def conversation(request, handoff_id: int):
        handoff = await readable(request, handoff_id)
        if not isinstance(handoff, Handoff):
            return handoff
        user = request.ctx.user
        await audit(request, "view", handoff_id)
        messages = await run(store().messages, handoff_id)
        names = await run(queries.staff_names, store().sessions)
        phone = None
        if handoff.kind == "callback" and holds(user, handoff):
            phone = await run(decrypt_phone, handoff.callback_phone)
        colleagues = await run(queries.colleagues, store().sessions, handoff.claimed_by or 0)
        snippet_lang = handoff.language if handoff.language in ("ary", "ar", "fr", "ary_Latn") else "fr"
        return await ctx.render(
            request, "conversation.html", handoff=handoff, lines=present_messages(handoff, messages, names),
            last_id=messages[-1].id if messages else 0, names=names, phone=phone,
            can_reply=holds(user, handoff) and handoff.kind == "live", can_manage=can_manage(user, handoff),
            colleagues=colleagues, outcomes=ctx.outcomes, snippets=ctx.snippets, snippet_lang=snippet_lang,
            state=_fingerprint((handoff.status, handoff.claimed_by, handoff.alert_at)),
            max_reply=MAX_REPLY_CHARS, max_note=MAX_NOTE_CHARS, **label_helpers(request),
        )  # fmt: skip

    @app.get("/handoffs/<handoff_id:int>/events")
    @requires_role(*WORK_ROLES)
    async def conversation_events(request, handoff_id: int):
        """Server-sent events: ``messages`` (new lines as HTML), ``delivered``, ``state`` (reload)."""
        handoff = await readable(request, handoff_id)
        if not isinstance(handoff, Handoff):
            return handoff
        user_id = request.ctx.user.id
        try:
            after = int(request.headers.get("last-event-id") or request.args.get("after") or 0)
        except ValueError:
            after = 0
        known_state = request.args.get("s", "")
        delivered: set[int] | None = None
        env = ctx.envs[request.ctx.session.lang]
        stream = await request.respond(content_type="text/event-stream",
                                       headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})  # fmt: skip
        await stream.send("retry: 2000\n\n")
        async for _tick in _ticks(app, user_id, stream, request.ctx.session.epoch):
            state = await run(queries.handoff_state, store().sessions, handoff_id)
            if state is None or _fingerprint(state) != known_state:
                await stream.send(_sse("state", {}))
                return
            new = await run(store().messages, handoff_id, after)
            if new:
                names = await run(queries.staff_names, store().sessions)
                html = await run(env.get_template("_messages.html").render,
                                 lines=present_messages(handoff, new, names))  # fmt: skip
                after = new[-1].id
                await stream.send(_sse("messages", {"html": html}, event_id=after))
            now_delivered = await run(queries.delivered_ids, store().sessions, handoff_id)
            if delivered is not None and now_delivered - delivered:
                await stream.send(_sse("delivered", {"ids": sorted(now_delivered - delivered)}))
            delivered = now_delivered

    async def managed(request, handoff_id: int, check) -> Handoff | response.HTTPResponse:
        handoff = await run(store().get, handoff_id)
        if handoff is None or handoff.erased:
            return await ctx.render_error(request, 404, "error.not_found")
        user = request.ctx.user
        if not can_read(user, handoff) or (handoff.status == "claimed" and not check(user, handoff)):
            await audit(request, "action_denied", handoff_id, request.path.rsplit("/", 1)[-1])
            return await ctx.render_error(request, 403, "error.forbidden")
        if not check(user, handoff):  # not claimed (any more): waiting or closed
            return await ctx.render_error(request, 409, "error.conflict")
        return handoff

    @app.post("/handoffs/<handoff_id:int>/reply")
    @requires_role(*WORK_ROLES)
    async def reply(request, handoff_id: int):
        handoff = await managed(request, handoff_id, holds)
        if not isinstance(handoff, Handoff):
            return handoff
        text = (request.form.get("text") or "").strip()
        if not text or len(text) > MAX_REPLY_CHARS or handoff.kind != "live":
            return await ctx.render_error(request, 400, "error.bad_request")
        message = await run(store().add_caseworker_message, handoff_id, request.ctx.user.id, text)
        if message is None:  # lost the handoff in the meantime
            return await ctx.render_error(request, 409, "error.conflict")
        ctx.worker.wake()
        if request.headers.get("x-requested-with") == "fetch":
            return response.json({"id": message.id}, status=201)
        return response.redirect(f"/handoffs/{handoff_id}#reply", status=303)

    @app.post("/handoffs/<handoff_id:int>/transfer")
    @requires_role(*WORK_ROLES)
    async def transfer(request, handoff_id: int):
        handoff = await managed(request, handoff_id, can_manage)
        if not isinstance(handoff, Handoff):
            return handoff
        try:
            target = int(request.form.get("to") or "")
        except ValueError:
            return await ctx.render_error(request, 400, "error.bad_request")
        if target == handoff.claimed_by or not await run(
            queries.transfer_target_ok, store().sessions, target
        ):
            return await ctx.render_error(request, 400, "error.bad_request")
        user = request.ctx.user
        done = await run(store().transfer, handoff_id, user.id, target, user.role == "supervisor")
        if not done:
            return await ctx.render_error(request, 409, "error.conflict")
        return response.redirect("/queue?notice=transferred", status=303)

    @app.post("/handoffs/<handoff_id:int>/close")
    @requires_role(*WORK_ROLES)
    async def close(request, handoff_id: int):
        handoff = await managed(request, handoff_id, can_manage)
        if not isinstance(handoff, Handoff):
            return handoff
        outcome = request.form.get("outcome") or ""
        note = (request.form.get("note") or "").strip()
        if outcome not in {o.code for o in ctx.outcomes} or len(note) > MAX_NOTE_CHARS:
            return await ctx.render_error(request, 400, "error.bad_request")
        user = request.ctx.user
        done = await run(store().close, handoff_id, user.id, outcome, note, user.role == "supervisor")
        if not done:
            return await ctx.render_error(request, 409, "error.conflict")
        ctx.worker.wake()
        return response.redirect("/queue?notice=closed", status=303)

    @app.get("/supervisor")
    @requires_role("supervisor")
    async def supervisor(request):
        stats = await run(queries.supervisor_stats, store().sessions, app.ctx.config.timezone)
        await audit(request, "view_stats")
        return await ctx.render(request, "supervisor.html", stats=stats, priority_names=PRIORITY_NAMES)

    @app.get("/audit")
    @requires_role("supervisor")
    async def audit_log(request):
        try:
            before = int(request.args.get("before") or 0) or None
        except ValueError:
            before = None
        rows = await run(queries.audit_page, store().sessions, before)
        await audit(request, "view_audit")
        return await ctx.render(
            request, "audit.html", rows=rows, next_before=rows[-1][0].id if rows else None
        )


async def _ticks(app: Sanic, user_id: int, stream, epoch: int):
    """The event-stream loop: one tick per poll interval, presence refreshed, pings against idle cut-offs.

    Ends after ``sse_max_seconds`` (the browser reconnects), when the client has gone, or within
    ``REVOCATION_CHECK_SECONDS`` of the session's revocation (logout, password change, deactivation).
    """
    config = app.ctx.config
    started = last_touch = last_send = last_check = time.monotonic()
    while time.monotonic() - started < config.sse_max_seconds:
        now = time.monotonic()
        if now - last_check >= REVOCATION_CHECK_SECONDS:
            if await asyncio.to_thread(session_user, app.ctx.store.sessions, user_id, epoch) is None:
                return
            last_check = now
        if now - last_touch >= 5.0:
            await asyncio.to_thread(app.ctx.store.touch_staff, user_id)
            last_touch = now
        yield now
        if now - last_send >= 10.0:
            await stream.send(": ping\n\n")
            last_send = now
        await asyncio.sleep(config.sse_poll_seconds)
