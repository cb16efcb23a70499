"""Passwords (argon2), the login rate limit, and the role checks the console's routes use.

Roles: ``caseworker`` and ``supervisor`` work the queue; ``editor`` is for content pages added
later. A route says which roles it allows with :func:`requires_role`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import wraps
from typing import Awaitable, Callable

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sanic import response

from bot.console.rendering import render_error
from bot.handoff.models import ROLES, LoginAttempt, StaffUser

HASHER = PasswordHasher()
#: Failed logins allowed in the window before further attempts get 429.
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 12
WORK_ROLES = ("caseworker", "supervisor")
# A hash to verify against when the username does not exist, so both cases take the same time.
_DUMMY_HASH = HASHER.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(user: StaffUser | None, password: str) -> bool:
    """True only for an active user with this password (constant work when the user is unknown)."""
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None and bool(user.active)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password needs at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip() != password:
        return "the password must not start or end with spaces"
    return None


@dataclass(frozen=True)
class LoginLimiter:
    """Counts recent failed logins per username and per client address in the database.

    Kept in the console database, so the limit holds across restarts and console processes.
    """

    sessions: object

    def blocked(self, username: str, ip: str, now: float | None = None) -> bool:
        since = (time.time() if now is None else now) - WINDOW_SECONDS
        with self.sessions() as session:
            failures = sa.select(sa.func.count(LoginAttempt.id)).where(
                LoginAttempt.success.is_(False), LoginAttempt.at >= since
            )
            by_user = session.scalar(failures.where(LoginAttempt.username == username[:64])) or 0
            by_ip = session.scalar(failures.where(LoginAttempt.ip == ip[:64])) or 0
        return by_user >= MAX_FAILURES_PER_USERNAME or by_ip >= MAX_FAILURES_PER_ADDRESS

    def record(self, username: str, ip: str, success: bool) -> None:
        with self.sessions.begin() as session:
            session.add(LoginAttempt(at=time.time(), username=username[:64], ip=ip[:64], success=success))


def session_user(sessions: object, user_id: int, epoch: int) -> StaffUser | None:
    """The user of a session cookie, or None when the user is inactive or the session was revoked."""
    with sessions() as session:
        user = session.get(StaffUser, user_id)
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return user


Handler = Callable[..., Awaitable[response.HTTPResponse]]


def requires_role(*roles: str) -> Callable[[Handler], Handler]:
    """Route decorator: a login, and one of ``roles`` (none given: any role).

    Without a login, pages redirect to the login page and everything else answers 401; with the
    wrong role the answer is 403. Nothing is rendered before these checks.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorator(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request, *args, **kwargs):
            user = request.ctx.user
            if user is None:
                wants_page = request.method == "GET" and "text/html" in request.headers.get("accept", "")
                if wants_page:
                    return response.redirect("/login")
                return response.text("login required", status=401)
            if roles and user.role not in roles:
                return await render_error(request, 403, "error.forbidden")
            return await handler(request, *args, **kwargs)

        return wrapper

    return decorator
