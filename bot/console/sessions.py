"""Encrypted, signed session cookies (Fernet) and the per-session CSRF token.

The cookie holds only the user id, the CSRF token, the interface language, its issue time and
the user's session epoch at login (raised on logout, password change and deactivation, which
revokes every cookie issued before: see :func:`bot.console.auth.session_user`);
Fernet encrypts and authenticates it, so it can be neither read nor forged, and its time-to-live
is checked on every request. The key comes from ``CONSOLE_SECRET`` or a file made once with
owner-only permissions, so sessions survive a restart.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.privacy.private_files import secret_file as owner_only_secret
from bot.settings import get_settings

COOKIE_NAME = "jisr_console"
UI_LANGUAGES = ("fr", "ar")


def load_key(secret_file: Path) -> bytes:
    """The Fernet key: ``CONSOLE_SECRET`` if set, else the key file (created when missing)."""
    configured = get_settings().console_secret
    if configured:
        return configured.encode()
    return owner_only_secret(secret_file, Fernet.generate_key)


@dataclass
class Session:
    """What the console remembers about one browser."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    user_id: int | None = None
    lang: str = "fr"
    issued_at: float = field(default_factory=time.time)
    epoch: int = 0
    modified: bool = False

    def login(self, user_id: int, epoch: int) -> None:
        """A new token at login, so a token seen before login is worthless afterwards."""
        self.user_id, self.csrf, self.issued_at, self.epoch, self.modified = (
            user_id,
            secrets.token_urlsafe(32),
            time.time(),
            epoch,
            True,
        )

    def logout(self) -> None:
        self.user_id, self.csrf, self.modified = None, secrets.token_urlsafe(32), True

    def set_lang(self, lang: str) -> None:
        if lang in UI_LANGUAGES:
            self.lang, self.modified = lang, True

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.csrf.encode())


class SessionCodec:
    """Turns a session into a cookie value and back."""

    def __init__(self, key: bytes, max_age: int) -> None:
        self.fernet = Fernet(key)
        self.max_age = max_age

    def dumps(self, session: Session) -> str:
        payload = {
            "c": session.csrf, "u": session.user_id, "l": session.lang, "t": session.issued_at, "e": session.epoch,
        }  # fmt: skip
        return self.fernet.encrypt(json.dumps(payload).encode()).decode()

    def loads(self, value: str | None) -> Session | None:
        """The session in a cookie, or None when it is missing, forged or too old."""
        if not value:
            return None
        try:
            payload = json.loads(self.fernet.decrypt(value.encode(), ttl=self.max_age))
            session = Session(csrf=str(payload["c"]), user_id=payload["u"], lang=str(payload["l"]),
                              issued_at=float(payload["t"]), epoch=int(payload.get("e", 0)))  # fmt: skip
        except (InvalidToken, ValueError, KeyError, TypeError):
            return None
        if session.user_id is not None and not isinstance(session.user_id, int):
            return None
        if session.lang not in UI_LANGUAGES:
            session.lang = "fr"
        return session
