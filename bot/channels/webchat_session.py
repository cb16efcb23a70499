"""Server-issued web-chat sessions and signed button payloads.

A browser never chooses its conversation: the server issues a session token
``<id>.<issued>.<signature>`` (HMAC-SHA256 under a per-installation secret) and the conversation is
``web-<id>``. A presented token is honoured only when its signature is valid and it is younger than
the session lifetime; anything else gets a fresh session. Several Rasa instances accept each
other's tokens when they share the secret (``WEBCHAT_SECRET``); a single instance keeps its own in
an owner-only file under ``var/``.

Buttons: the page may send a Rasa payload (``/intent{…}``) only as a button it was offered, so each
button sent to a conversation carries a signature of (conversation, payload); typed text never
becomes a payload.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from bot.channels.conversation_ids import WEBCHAT, conversation_id
from bot.privacy.private_files import secret_file
from bot.settings import get_settings

SECRET_ENV = "WEBCHAT_SECRET"
LIFETIME_ENV = "WEBCHAT_SESSION_HOURS"
DEFAULT_LIFETIME_HOURS = 12.0
MIN_SECRET_BYTES = 32
MAX_TOKEN_CHARS = 160
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{22,64})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def load_secret(environ: dict[str, str] | None = None) -> bytes:
    """The signing secret: ``WEBCHAT_SECRET`` when set, else the installation's secret file.

    The file is created on first use, readable by its owner only.
    """
    settings = get_settings(environ)
    configured = settings.webchat_secret
    if configured:
        if len(configured.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"{SECRET_ENV} must be at least {MIN_SECRET_BYTES} bytes long")
        return configured.encode()
    path = settings.webchat_secret_file
    secret = secret_file(path, lambda: secrets.token_urlsafe(48).encode())
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes")
    return secret


def lifetime_seconds(environ: dict[str, str] | None = None) -> float:
    """How long a session token stays valid after it was last issued (``WEBCHAT_SESSION_HOURS``)."""
    try:
        hours = get_settings(environ).webchat_session_hours
    except ValueError:
        raise ValueError(f"{LIFETIME_ENV} must be a number of hours") from None
    if not 0 < hours <= 24 * 30:
        raise ValueError(f"{LIFETIME_ENV} must be between 0 and 720 hours")
    return hours * 3600


@dataclass(frozen=True)
class Session:
    """A verified web-chat session: the token to hand back and the conversation it opens."""

    token: str
    conversation_id: str


class SessionSigner:
    """Issues and verifies session tokens and button signatures under one secret."""

    def __init__(self, secret: bytes, lifetime: float = DEFAULT_LIFETIME_HOURS * 3600) -> None:
        self._secret = secret
        self.lifetime = lifetime

    def _sign(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return _b64(hmac.new(self._secret, message, hashlib.sha256).digest())

    def _token(self, session_key: str, now: float) -> str:
        issued = str(int(now))
        return f"{session_key}.{issued}.{self._sign('webchat-session', session_key, issued)}"

    def issue(self, now: float | None = None) -> Session:
        """A fresh session with an unguessable id (128 random bits)."""
        session_key = secrets.token_urlsafe(16)
        return Session(self._token(session_key, now or time.time()), conversation_id(WEBCHAT, session_key))

    def verify(self, token: object, now: float | None = None) -> Session | None:
        """The session ``token`` stands for, renewed, or ``None`` when it is not a valid live token."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return None
        match = _TOKEN.match(token)
        if match is None:
            return None
        session_key, issued, signature = match.groups()
        expected = self._sign("webchat-session", session_key, issued)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return None
        now = now or time.time()
        if not (int(issued) - 60 <= now <= int(issued) + self.lifetime):
            return None
        return Session(self._token(session_key, now), conversation_id(WEBCHAT, session_key))

    def button_signature(self, conversation: str, payload: str) -> str:
        """Signature that lets ``conversation`` send ``payload`` back as a pressed button."""
        return self._sign("webchat-button", conversation, payload)

    def button_valid(self, conversation: str, payload: object, signature: object) -> bool:
        """True when ``payload`` is a button the server offered to ``conversation``."""
        if not isinstance(payload, str) or not isinstance(signature, str) or len(signature) > 64:
            return False
        expected = self.button_signature(conversation, payload)
        return hmac.compare_digest(expected.encode(), signature.encode())
