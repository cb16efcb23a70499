"""``GET /health`` (no login): the database and the delivery worker, for probes and the launcher."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sanic import Blueprint, Request, response

from bot.handoff.store import HandoffStore

blueprint = Blueprint("health")


@blueprint.get("/health")
async def health(request: Request):
    ctx = request.app.ctx
    try:
        pending = await asyncio.to_thread(outbox_pending, ctx.store)
    except sa.exc.SQLAlchemyError:
        return response.json({"status": "error", "database": "unreachable"}, status=503)
    running = ctx.worker.running
    return response.json({"status": "ok" if running else "degraded", "database": "ok",
                          "delivery_worker": "running" if running else "stopped",
                          "outbox_pending": pending}, status=200 if running else 503)  # fmt: skip


def outbox_pending(store: HandoffStore) -> int:
    return len(store.undelivered(limit=1000))
