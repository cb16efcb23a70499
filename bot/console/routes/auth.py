"""Login, logout and the interface language: ``/``, ``/login``, ``/logout``, ``/lang``.

Failed logins are rate-limited per username and per client address (behind trusted proxies, the
address they report); each login, failure, block and logout is audited.
"""

from __future__ import annotations

import asyncio

from sanic import Blueprint, Request, response

from bot.console.auth import LoginLimiter, requires_role, verify_password
from bot.console.client_address import client_address
from bot.console.rendering import render
from bot.handoff.models import StaffUser

#: Login messages chosen in Python and translated in templates (listed for the catalogue check).
MESSAGE_KEYS = ("login.failed", "login.rate_limited")

blueprint = Blueprint("auth")


def home(user: StaffUser) -> str:
    """The first page after login: content editors work on the review queue, the others on the handoff queue."""
    return "/review" if user.role == "editor" else "/queue"


@blueprint.get("/")
async def index(request: Request):
    return response.redirect(home(request.ctx.user) if request.ctx.user else "/login")


@blueprint.get("/login")
async def login_page(request: Request):
    if request.ctx.user:
        return response.redirect(home(request.ctx.user))
    return await render(request, "login.html")


@blueprint.post("/login")
async def login(request: Request):
    ctx = request.app.ctx
    form = request.form or {}
    username = (form.get("username") or "").strip()[:64]
    password = form.get("password") or ""
    ip = client_address(request.ip, request.headers, ctx.config.trusted_proxies)
    limiter: LoginLimiter = ctx.limiter
    if await asyncio.to_thread(limiter.blocked, username, ip):
        await asyncio.to_thread(ctx.store.audit, None, "login_blocked", None, f"user {username}")
        return await render(request, "login.html", status=429, error_key="login.rate_limited",
                            username=username)  # fmt: skip
    user = await asyncio.to_thread(ctx.store.staff_by_username, username) if username else None
    ok = await asyncio.to_thread(verify_password, user, password[:1024])
    await asyncio.to_thread(limiter.record, username, ip, ok)
    if not ok:
        await asyncio.to_thread(
            ctx.store.audit, user.id if user else None, "login_failed", None, f"user {username}"
        )
        return await render(request, "login.html", status=401, error_key="login.failed", username=username)
    request.ctx.session.login(user.id, user.session_epoch)
    await asyncio.to_thread(ctx.store.audit, user.id, "login")
    return response.redirect(home(user), status=303)


@blueprint.post("/logout")
@requires_role()
async def logout(request: Request):
    store = request.app.ctx.store
    await asyncio.to_thread(store.audit, request.ctx.user.id, "logout")
    # every session of the user ends, also a copy of this cookie elsewhere and its open streams
    await asyncio.to_thread(store.revoke_staff_sessions, request.ctx.user.id)
    request.ctx.session.logout()
    return response.redirect("/login", status=303)


@blueprint.post("/lang")
async def set_language(request: Request):
    request.ctx.session.set_lang((request.form or {}).get("lang", ""))
    target = (request.form or {}).get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return response.redirect(target, status=303)
