"""Server-sent events of the live pages: the event format, change fingerprints, the polling loop."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import AsyncIterator

from sanic import Sanic

from bot.console.auth import session_user

#: An open event stream re-checks its session this often, so a revoked session loses it within seconds.
REVOCATION_CHECK_SECONDS = 1.0


def fingerprint(values: tuple) -> str:
    """A short digest of ``values``: the page's version, compared to notice a change."""
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def sse(event: str, data: dict, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def open_stream(request):
    """Starts an event-stream response (never cached, never buffered by the proxy)."""
    stream = await request.respond(content_type="text/event-stream",
                                   headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})  # fmt: skip
    await stream.send("retry: 2000\n\n")
    return stream


async def ticks(app: Sanic, user_id: int, stream, epoch: int) -> AsyncIterator[float]:
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
