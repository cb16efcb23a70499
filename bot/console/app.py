"""The console's Sanic application: sessions, CSRF, security headers, login and the shared helpers.

The queue, conversation and supervisor pages are in :mod:`bot.console.views`. Database calls run
in threads (``asyncio.to_thread``) so that live event streams and concurrent requests are never
blocked by one slow query, and so simultaneous claims really reach the database together.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sanic import Sanic, response
from sanic.exceptions import MethodNotSupported, NotFound, SanicException

from bot.console import views
from bot.console.auth import LoginLimiter, requires_role, session_user, verify_password
from bot.console.client_address import client_address
from bot.console.config import ConsoleConfig
from bot.console.content import load_outcomes, load_snippets
from bot.console.i18n import LANGUAGES, environments
from bot.console.sessions import COOKIE_NAME, Session, SessionCodec, load_key
from bot.handoff.delivery import DeliveryWorker, RasaClient
from bot.handoff.models import StaffUser
from bot.handoff.store import HandoffStore
from bot.review import console_views as review_views

logger = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
#: Presence is refreshed at most this often per user (the bot counts a caseworker online for 120 s).
PRESENCE_REFRESH_SECONDS = 5.0
#: Message keys chosen in Python and translated in templates (listed for the catalogue check).
MESSAGE_KEYS = (
    "error.forbidden", "error.not_found", "error.bad_request", "error.csrf", "error.conflict",
    "error.server", "error.method", "login.failed", "login.rate_limited",
)  # fmt: skip


def create_app(config: ConsoleConfig | None = None, name: str = "jisr_console") -> Sanic:
    """The console app; the database is migrated and the delivery worker started on server start."""
    config = config or ConsoleConfig.from_env()
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 256 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "text"
    app.ctx.config = config
    app.ctx.codec = SessionCodec(load_key(config.secret_file), config.session_seconds)
    app.ctx.envs = environments()
    app.ctx.snippets = load_snippets(config.snippets_file)
    app.ctx.outcomes = load_outcomes(config.outcomes_file)
    app.ctx.zone = ZoneInfo(config.timezone)
    for env in app.ctx.envs.values():
        env.filters["clock"] = lambda ts, zone=app.ctx.zone: _clock(ts, zone)
        env.filters["datetime"] = lambda ts, zone=app.ctx.zone: _datetime(ts, zone)

    async def render(request, template: str, status: int = 200, **context) -> response.HTTPResponse:
        session: Session = request.ctx.session
        env = app.ctx.envs[session.lang]
        context.update(user=request.ctx.user, csrf=session.csrf, path=request.path, languages=LANGUAGES)
        html = await asyncio.to_thread(env.get_template(template).render, **context)
        return response.html(html, status=status)

    async def render_error(request, status: int, key: str) -> response.HTTPResponse:
        return await render(request, "error.html", status=status, message_key=key, status_code=status)

    app.ctx.render = render
    app.ctx.render_error = render_error

    @app.before_server_start
    async def _open(app_, _loop) -> None:
        store = await asyncio.to_thread(HandoffStore, config.db_url)
        app_.ctx.store = store
        app_.ctx.limiter = LoginLimiter(store.sessions)
        app_.ctx.worker = DeliveryWorker(store, RasaClient(config.rasa_url))
        app_.ctx.worker.start()

    @app.after_server_start
    async def _announce(app_, _loop) -> None:
        print(f"Jisr console: http://{config.host}:{config.port}/", flush=True)

    @app.before_server_stop
    async def _close(app_, _loop) -> None:
        await app_.ctx.worker.stop()

    @app.on_request
    async def _load_session(request):
        session = app.ctx.codec.loads(request.cookies.get(COOKIE_NAME))
        if session is None:
            session = Session(modified=True)
            session.set_lang(_preferred_language(request.headers.get("accept-language", "")))
        request.ctx.session = session
        request.ctx.user = None
        if request.path.startswith("/static/") or request.path == "/health":
            return None
        if session.user_id is not None:
            user = await asyncio.to_thread(
                session_user, app.ctx.store.sessions, session.user_id, session.epoch
            )
            if user is None:
                session.logout()
            else:
                request.ctx.user = user
                if (user.last_seen_at or 0) < time.time() - PRESENCE_REFRESH_SECONDS:
                    await asyncio.to_thread(app.ctx.store.touch_staff, user.id)
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

    @app.on_response
    async def _headers(request, resp):
        session = getattr(request.ctx, "session", None)
        if session is not None and session.modified:
            resp.cookies[COOKIE_NAME] = app.ctx.codec.dumps(session)
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

    @app.exception(NotFound)
    async def _not_found(request, _exception):
        if not hasattr(request.ctx, "session"):
            return response.text("not found", status=404)
        return await render_error(request, 404, "error.not_found")

    @app.exception(MethodNotSupported)
    async def _method(request, _exception):
        return response.text("method not allowed", status=405)

    @app.exception(Exception)
    async def _failure(request, exception):
        if isinstance(exception, SanicException) and exception.status_code < 500:
            return response.text(str(exception) or "bad request", status=exception.status_code)
        logger.exception("Console error on %s", request.path)
        return response.text("internal error", status=500)

    # --- login, logout, language, health ---------------------------------------------------------

    @app.get("/health")
    async def health(_request):
        try:
            pending = await asyncio.to_thread(_outbox_pending, app.ctx.store)
        except sa.exc.SQLAlchemyError:
            return response.json({"status": "error", "database": "unreachable"}, status=503)
        worker_task = app.ctx.worker._task
        running = worker_task is not None and not worker_task.done()
        return response.json({"status": "ok" if running else "degraded", "database": "ok",
                              "delivery_worker": "running" if running else "stopped",
                              "outbox_pending": pending}, status=200 if running else 503)  # fmt: skip

    @app.get("/")
    async def index(request):
        return response.redirect(_home(request.ctx.user) if request.ctx.user else "/login")

    @app.get("/login")
    async def login_page(request):
        if request.ctx.user:
            return response.redirect(_home(request.ctx.user))
        return await render(request, "login.html")

    @app.post("/login")
    async def login(request):
        form = request.form or {}
        username = (form.get("username") or "").strip()[:64]
        password = form.get("password") or ""
        ip = client_address(request.ip, request.headers, config.trusted_proxies)
        limiter: LoginLimiter = app.ctx.limiter
        if await asyncio.to_thread(limiter.blocked, username, ip):
            await asyncio.to_thread(app.ctx.store.audit, None, "login_blocked", None, f"user {username}")
            return await render(request, "login.html", status=429, error_key="login.rate_limited",
                                username=username)  # fmt: skip
        user = await asyncio.to_thread(app.ctx.store.staff_by_username, username) if username else None
        ok = await asyncio.to_thread(verify_password, user, password[:1024])
        await asyncio.to_thread(limiter.record, username, ip, ok)
        if not ok:
            await asyncio.to_thread(
                app.ctx.store.audit, user.id if user else None, "login_failed", None, f"user {username}"
            )
            return await render(
                request, "login.html", status=401, error_key="login.failed", username=username
            )
        request.ctx.session.login(user.id, user.session_epoch)
        await asyncio.to_thread(app.ctx.store.audit, user.id, "login")
        return response.redirect(_home(user), status=303)

    @app.post("/logout")
    @requires_role()
    async def logout(request):
        await asyncio.to_thread(app.ctx.store.audit, request.ctx.user.id, "logout")
        # every session of the user ends, also a copy of this cookie elsewhere and its open streams
        await asyncio.to_thread(app.ctx.store.revoke_staff_sessions, request.ctx.user.id)
        request.ctx.session.logout()
        return response.redirect("/login", status=303)

    @app.post("/lang")
    async def set_language(request):
        request.ctx.session.set_lang((request.form or {}).get("lang", ""))
        target = (request.form or {}).get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        return response.redirect(target, status=303)

    views.register(app)
    review_views.register(app)
    app.static("/static", str(views.STATIC_DIR), name="static")
    return app


def _home(user: StaffUser) -> str:
    """The first page after login: content editors work on the review queue, the others on the handoff queue."""
    return "/review" if user.role == "editor" else "/queue"


def _outbox_pending(store: HandoffStore) -> int:
    return len(store.undelivered(limit=1000))


def _preferred_language(accept_language: str) -> str:
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "fr"


def _clock(ts: float | None, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%H:%M") if ts else ""


def _datetime(ts: float | None, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


# Keep ``requires_role`` importable from here for pages added by other features.
__all__ = ["create_app", "requires_role"]
