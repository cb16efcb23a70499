"""What every console request and response goes through: session, login, CSRF, headers, errors.

- the session cookie is read (or a new session started in the browser's language), its user
  looked up (a revoked session is logged out) and the user's presence refreshed;
- every routed POST needs the session's CSRF token (header ``X-CSRF-Token`` or form field);
- every response gets the session cookie when it changed, and the security headers;
- errors answer without leaking details.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sanic import Request, Sanic, response
from sanic.exceptions import MethodNotSupported, NotFound, SanicException

from bot.console.auth import session_user
from bot.console.i18n import LANGUAGES
from bot.console.rendering import render_error
from bot.console.sessions import COOKIE_NAME, Session

logger = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
#: Presence is refreshed at most this often per user (the bot counts a caseworker online for 120 s).
PRESENCE_REFRESH_SECONDS = 5.0


def register_middleware(app: Sanic) -> None:
    """Adds the request and response middleware and the error handlers to ``app``."""
    app.on_request(load_session)
    app.on_response(add_headers)
    app.exception(NotFound)(not_found)
    app.exception(MethodNotSupported)(method_not_allowed)
    app.exception(Exception)(failure)


async def load_session(request: Request) -> response.HTTPResponse | None:
    """Session and user on ``request.ctx``; a routed POST without the CSRF token answers 403."""
    ctx = request.app.ctx
    session = ctx.codec.loads(request.cookies.get(COOKIE_NAME))
    if session is None:
        session = Session(modified=True)
        session.set_lang(preferred_language(request.headers.get("accept-language", "")))
    request.ctx.session = session
    request.ctx.user = None
    if request.path.startswith("/static/") or request.path == "/health":
        return None
    if session.user_id is not None:
        user = await asyncio.to_thread(session_user, ctx.store.sessions, session.user_id, session.epoch)
        if user is None:
            session.logout()
        else:
            request.ctx.user = user
            if (user.last_seen_at or 0) < time.time() - PRESENCE_REFRESH_SECONDS:
                await asyncio.to_thread(ctx.store.touch_staff, user.id)
    if request.method == "POST" and request.route is not None:  # unrouted: 404/405 follows
        token = request.headers.get("x-csrf-token")
        if token is None:
            try:
                token = request.form.get("csrf_token") if request.form else None
            except SanicException:
                token = None
        if not session.csrf_ok(token):
            return await render_error(request, 403, "error.csrf")
    return None


async def add_headers(request: Request, resp: response.HTTPResponse) -> None:
    """The session cookie when the session changed, and the security headers."""
    config = request.app.ctx.config
    session = getattr(request.ctx, "session", None)
    if session is not None and session.modified:
        resp.cookies[COOKIE_NAME] = request.app.ctx.codec.dumps(session)
        cookie = resp.cookies[COOKIE_NAME]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/"
        cookie["max-age"] = config.session_seconds
        if config.secure_cookies:
            cookie["secure"] = True
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        resp.headers.setdefault("Cache-Control", "no-store")


async def not_found(request: Request, _exception: Exception) -> response.HTTPResponse:
    if not hasattr(request.ctx, "session"):
        return response.text("not found", status=404)
    return await render_error(request, 404, "error.not_found")


async def method_not_allowed(_request: Request, _exception: Exception) -> response.HTTPResponse:
    return response.text("method not allowed", status=405)


async def failure(request: Request, exception: Exception) -> response.HTTPResponse:
    if isinstance(exception, SanicException) and exception.status_code < 500:
        return response.text(str(exception) or "bad request", status=exception.status_code)
    logger.exception("Console error on %s", request.path)
    return response.text("internal error", status=500)


def preferred_language(accept_language: str) -> str:
    """The first interface language the browser accepts, else French."""
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "fr"
