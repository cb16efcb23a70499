"""The handoff queue: ``/queue`` (page, table rows, live events) and claiming a handoff."""

from __future__ import annotations

from sanic import Blueprint, Request, response

from bot.console import queries
from bot.console.auth import WORK_ROLES, requires_role
from bot.console.casework import label_helpers, run
from bot.console.rendering import render, render_error
from bot.console.streams import fingerprint, open_stream, sse, ticks

NOTICES = ("claim_lost", "closed", "transferred")
#: Notices chosen in Python and translated in templates (listed for the catalogue check).
MESSAGE_KEYS = tuple(f"notice.{n}" for n in NOTICES)

blueprint = Blueprint("queue")


async def queue_context(request: Request) -> dict:
    """Waiting handoffs, the user's own, and (for supervisors) the others held, with the version."""
    user = request.ctx.user
    sessions = request.app.ctx.store.sessions
    handoffs = await run(queries.queue_rows, sessions)
    names = await run(queries.staff_names, sessions)
    version = fingerprint(await run(queries.queue_fingerprint, sessions))
    waiting = [h for h in handoffs if h.status == "queued"]
    mine = [h for h in handoffs if h.status == "claimed" and h.claimed_by == user.id]
    others = [h for h in handoffs if h.status == "claimed" and h.claimed_by != user.id]
    return {"waiting": waiting, "mine": mine, "others": others if user.role == "supervisor" else [],
            "others_count": len(others), "names": names, "version": version, **label_helpers(request)}  # fmt: skip


async def render_queue(request: Request, status: int = 200, notice: str | None = None):
    context = await queue_context(request)
    return await render(request, "queue.html", status=status,
                        notice=notice if notice in NOTICES else None, **context)  # fmt: skip


@blueprint.get("/queue")
@requires_role(*WORK_ROLES)
async def queue_page(request: Request):
    return await render_queue(request, notice=request.args.get("notice"))


@blueprint.get("/queue/rows")
@requires_role(*WORK_ROLES)
async def queue_rows(request: Request):
    return await render(request, "_queue_tables.html", **(await queue_context(request)))


@blueprint.get("/queue/events")
@requires_role(*WORK_ROLES)
async def queue_events(request: Request):
    """Server-sent events: ``queue`` whenever the queue changed since the page's version."""
    store = request.app.ctx.store
    user_id = request.ctx.user.id
    known = request.args.get("v", "")
    stream = await open_stream(request)
    async for _tick in ticks(request.app, user_id, stream, request.ctx.session.epoch):
        version = fingerprint(await run(queries.queue_fingerprint, store.sessions))
        if version != known:
            known = version
            await stream.send(sse("queue", {"v": version}))


@blueprint.post("/handoffs/<handoff_id:int>/claim")
@requires_role(*WORK_ROLES)
async def claim(request: Request, handoff_id: int):
    ctx = request.app.ctx
    handoff = await run(ctx.store.get, handoff_id)
    if handoff is None:
        return await render_error(request, 404, "error.not_found")
    won = await run(ctx.store.claim, handoff_id, request.ctx.user.id)  # audited by the store
    if not won:
        return await render_queue(request, status=409, notice="claim_lost")
    ctx.worker.wake()
    return response.redirect(f"/handoffs/{handoff_id}", status=303)
