"""Supervisor pages, read-only: ``/supervisor`` (figures) and ``/audit`` (the audit log)."""

from __future__ import annotations

from sanic import Blueprint, Request

from bot.console import queries
from bot.console.auth import requires_role
from bot.console.casework import PRIORITY_NAMES, audit, run
from bot.console.rendering import render

blueprint = Blueprint("supervisor")


@blueprint.get("/supervisor")
@requires_role("supervisor")
async def supervisor(request: Request):
    ctx = request.app.ctx
    stats = await run(queries.supervisor_stats, ctx.store.sessions, ctx.config.timezone)
    await audit(request, "view_stats")
    return await render(request, "supervisor.html", stats=stats, priority_names=PRIORITY_NAMES)


@blueprint.get("/audit")
@requires_role("supervisor")
async def audit_log(request: Request):
    try:
        before = int(request.args.get("before") or 0) or None
    except ValueError:
        before = None
    rows = await run(queries.audit_page, request.app.ctx.store.sessions, before)
    await audit(request, "view_audit")
    return await render(request, "audit.html", rows=rows, next_before=rows[-1][0].id if rows else None)
