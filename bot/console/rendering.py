"""Pages and error pages in the language of the request's session, for every blueprint.

Templates render in a thread (``asyncio.to_thread``) so that a long page never blocks the live
event streams. The Jinja environments are on ``app.ctx.envs``, one per interface language.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sanic import Request, response

from bot.console.i18n import LANGUAGES
from bot.console.sessions import Session

#: Error keys chosen in Python and translated in templates (listed for the catalogue check).
MESSAGE_KEYS = (
    "error.forbidden", "error.not_found", "error.bad_request", "error.csrf", "error.conflict",
    "error.server", "error.method",
)  # fmt: skip


async def render(request: Request, template: str, status: int = 200, **context) -> response.HTTPResponse:
    """``template`` with the user, the CSRF token, the path and the languages added to ``context``."""
    session: Session = request.ctx.session
    env = request.app.ctx.envs[session.lang]
    context.update(user=request.ctx.user, csrf=session.csrf, path=request.path, languages=LANGUAGES)
    html = await asyncio.to_thread(env.get_template(template).render, **context)
    return response.html(html, status=status)


async def render_error(request: Request, status: int, key: str) -> response.HTTPResponse:
    """The error page with the message ``key``."""
    return await render(request, "error.html", status=status, message_key=key, status_code=status)


def add_time_filters(envs: dict[str, Environment], zone: ZoneInfo) -> None:
    """``clock`` and ``datetime`` filters that show epoch seconds in the console's time zone."""
    for env in envs.values():
        env.filters["clock"] = lambda ts, zone=zone: _clock(ts, zone)
        env.filters["datetime"] = lambda ts, zone=zone: _datetime(ts, zone)


def _clock(ts: float | None, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%H:%M") if ts else ""


def _datetime(ts: float | None, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d %H:%M:%S") if ts else ""
