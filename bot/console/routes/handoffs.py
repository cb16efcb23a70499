"""One handoff: ``/handoffs/<id>`` (conversation page, live events), reply, transfer and close.

Who may read and act is decided in :mod:`bot.console.casework`; a refusal is audited.
"""

from __future__ import annotations

from sanic import Blueprint, Request, response

from bot.console import queries
from bot.console.auth import WORK_ROLES, requires_role
from bot.console.casework import audit, can_manage, can_read, holds, label_helpers, present_messages, run
from bot.console.rendering import render, render_error
from bot.console.streams import fingerprint, open_stream, sse, ticks
from bot.handoff.callback_crypto import decrypt_phone
from bot.handoff.models import Handoff

MAX_REPLY_CHARS = 2000
MAX_NOTE_CHARS = 2000
SNIPPET_LANGUAGES = ("ary", "ar", "fr", "ary_Latn")

blueprint = Blueprint("handoffs")


async def readable(request: Request, handoff_id: int) -> Handoff | response.HTTPResponse:
    """The handoff if the user may read it, else the error page (404, or 403 audited)."""
    handoff = await run(request.app.ctx.store.get, handoff_id)
    if handoff is None or handoff.erased:
        return await render_error(request, 404, "error.not_found")
    if not can_read(request.ctx.user, handoff):
        await audit(request, "view_denied", handoff_id)
        return await render_error(request, 403, "error.forbidden")
    return handoff


async def managed(request: Request, handoff_id: int, check) -> Handoff | response.HTTPResponse:
    """The handoff if ``check`` lets the user act on it, else the error page (404, 403 audited, 409)."""
    handoff = await run(request.app.ctx.store.get, handoff_id)
    if handoff is None or handoff.erased:
        return await render_error(request, 404, "error.not_found")
    user = request.ctx.user
    if not can_read(user, handoff) or (handoff.status == "claimed" and not check(user, handoff)):
        await audit(request, "action_denied", handoff_id, request.path.rsplit("/", 1)[-1])
        return await render_error(request, 403, "error.forbidden")
    if not check(user, handoff):  # not claimed (any more): waiting or closed
        return await render_error(request, 409, "error.conflict")
    return handoff


@blueprint.get("/handoffs/<handoff_id:int>")
@requires_role(*WORK_ROLES)
async def conversation(request: Request, handoff_id: int):
    handoff = await readable(request, handoff_id)
    if not isinstance(handoff, Handoff):
        return handoff
    ctx = request.app.ctx
    user = request.ctx.user
    await audit(request, "view", handoff_id)
    messages = await run(ctx.store.messages, handoff_id)
    names = await run(queries.staff_names, ctx.store.sessions)
    phone = None
    if handoff.kind == "callback" and holds(user, handoff):
        phone = await run(decrypt_phone, handoff.callback_phone)
    colleagues = await run(queries.colleagues, ctx.store.sessions, handoff.claimed_by or 0)
    snippet_lang = handoff.language if handoff.language in SNIPPET_LANGUAGES else "fr"
    return await render(
        request, "conversation.html", handoff=handoff, lines=present_messages(handoff, messages, names),
        last_id=messages[-1].id if messages else 0, names=names, phone=phone,
        can_reply=holds(user, handoff) and handoff.kind == "live", can_manage=can_manage(user, handoff),
        colleagues=colleagues, outcomes=ctx.outcomes, snippets=ctx.snippets, snippet_lang=snippet_lang,
        state=fingerprint((handoff.status, handoff.claimed_by, handoff.alert_at)),
        max_reply=MAX_REPLY_CHARS, max_note=MAX_NOTE_CHARS, **label_helpers(request),
    )  # fmt: skip


@blueprint.get("/handoffs/<handoff_id:int>/events")
@requires_role(*WORK_ROLES)
async def conversation_events(request: Request, handoff_id: int):
    """Server-sent events: ``messages`` (new lines as HTML), ``delivered``, ``state`` (reload)."""
    handoff = await readable(request, handoff_id)
    if not isinstance(handoff, Handoff):
        return handoff
    ctx = request.app.ctx
    user_id = request.ctx.user.id
    try:
        after = int(request.headers.get("last-event-id") or request.args.get("after") or 0)
    except ValueError:
        after = 0
    known_state = request.args.get("s", "")
    delivered: set[int] | None = None
    env = ctx.envs[request.ctx.session.lang]
    stream = await open_stream(request)
    async for _tick in ticks(request.app, user_id, stream, request.ctx.session.epoch):
        state = await run(queries.handoff_state, ctx.store.sessions, handoff_id)
        if state is None or fingerprint(state) != known_state:
            await stream.send(sse("state", {}))
            return
        new = await run(ctx.store.messages, handoff_id, after)
        if new:
            names = await run(queries.staff_names, ctx.store.sessions)
            html = await run(env.get_template("_messages.html").render,
                             lines=present_messages(handoff, new, names))  # fmt: skip
            after = new[-1].id
            await stream.send(sse("messages", {"html": html}, event_id=after))
        now_delivered = await run(queries.delivered_ids, ctx.store.sessions, handoff_id)
        if delivered is not None and now_delivered - delivered:
            await stream.send(sse("delivered", {"ids": sorted(now_delivered - delivered)}))
        delivered = now_delivered


@blueprint.post("/handoffs/<handoff_id:int>/reply")
@requires_role(*WORK_ROLES)
async def reply(request: Request, handoff_id: int):
    handoff = await managed(request, handoff_id, holds)
    if not isinstance(handoff, Handoff):
        return handoff
    ctx = request.app.ctx
    text = (request.form.get("text") or "").strip()
    if not text or len(text) > MAX_REPLY_CHARS or handoff.kind != "live":
        return await render_error(request, 400, "error.bad_request")
    message = await run(ctx.store.add_caseworker_message, handoff_id, request.ctx.user.id, text)
    if message is None:  # lost the handoff in the meantime
        return await render_error(request, 409, "error.conflict")
    ctx.worker.wake()
    if request.headers.get("x-requested-with") == "fetch":
        return response.json({"id": message.id}, status=201)
    return response.redirect(f"/handoffs/{handoff_id}#reply", status=303)


@blueprint.post("/handoffs/<handoff_id:int>/transfer")
@requires_role(*WORK_ROLES)
async def transfer(request: Request, handoff_id: int):
    handoff = await managed(request, handoff_id, can_manage)
    if not isinstance(handoff, Handoff):
        return handoff
    store = request.app.ctx.store
    try:
        target = int(request.form.get("to") or "")
    except ValueError:
        return await render_error(request, 400, "error.bad_request")
    if target == handoff.claimed_by or not await run(queries.transfer_target_ok, store.sessions, target):
        return await render_error(request, 400, "error.bad_request")
    user = request.ctx.user
    done = await run(store.transfer, handoff_id, user.id, target, user.role == "supervisor")
    if not done:
        return await render_error(request, 409, "error.conflict")
    return response.redirect("/queue?notice=transferred", status=303)


@blueprint.post("/handoffs/<handoff_id:int>/close")
@requires_role(*WORK_ROLES)
async def close(request: Request, handoff_id: int):
    handoff = await managed(request, handoff_id, can_manage)
    if not isinstance(handoff, Handoff):
        return handoff
    ctx = request.app.ctx
    outcome = request.form.get("outcome") or ""
    note = (request.form.get("note") or "").strip()
    if outcome not in {o.code for o in ctx.outcomes} or len(note) > MAX_NOTE_CHARS:
        return await render_error(request, 400, "error.bad_request")
    user = request.ctx.user
    done = await run(ctx.store.close, handoff_id, user.id, outcome, note, user.role == "supervisor")
    if not done:
        return await render_error(request, 409, "error.conflict")
    ctx.worker.wake()
    return response.redirect("/queue?notice=closed", status=303)
