"""Authentication to Rasa's HTTP API, for the server and for every client of it.

Rasa's HTTP API can read, rewrite and erase any conversation, so it never runs open. Rasa is
started with a JWT secret (``RASA_TOKEN``, or the file named by ``RASA_TOKEN_FILE``) that never
appears on a command line (:mod:`bot.ops.rasa_server`); each client signs short-lived tokens with
it and sends them as ``Authorization: Bearer …``, which Rasa's JWT check reads. Nothing secret
goes into a URL, so access logs and proxies never see it, and an intercepted token expires in
minutes. A token for one conversation only is minted when the call concerns one conversation
(Rasa's ``user`` role is limited to the conversation named ``username``).

The embedded profile keeps a random secret per installation in an owner-only file
(``var/rasa_api.token``), created on first start.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Generator, Mapping
from pathlib import Path

import httpx
import jwt

from bot.settings import ROOT, get_settings

TOKEN_ENV = "RASA_TOKEN"
TOKEN_FILE_ENV = "RASA_TOKEN_FILE"
DEFAULT_TOKEN_FILE = ROOT / "var" / "rasa_api.token"
JWT_METHOD = "HS256"
#: A shorter secret is refused: HS256 secrets must resist offline guessing.
MIN_SECRET_LENGTH = 32
#: Lifetime of a minted token; long enough for one slow call, short enough to be useless if seen.
TOKEN_SECONDS = 300
#: Rasa's readiness URL that needs no token (``/status`` and the rest of the API need one).
READY_PATH = "/version"


class MissingSecret(RuntimeError):
    """No usable API secret is configured."""


def ensure_token_file(path: Path = DEFAULT_TOKEN_FILE) -> Path:
    """Creates ``path`` with a random secret (mode 0600, folder 0700) unless it exists."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return path


def api_secret(env: Mapping[str, str] | None = None) -> str:
    """The secret from ``RASA_TOKEN``, ``RASA_TOKEN_FILE`` or the installation's token file.

    Raises :class:`MissingSecret` when none is set or the secret is too short.
    """
    settings = get_settings(env)
    secret = settings.rasa_token or ""
    token_file = settings.rasa_token_file or (DEFAULT_TOKEN_FILE if DEFAULT_TOKEN_FILE.exists() else None)
    if not secret and token_file:
        try:
            secret = Path(token_file).read_text().strip()
        except OSError as error:
            raise MissingSecret(f"{TOKEN_FILE_ENV} cannot be read: {error.strerror}") from None
    if not secret:
        raise MissingSecret(f"set {TOKEN_ENV} or {TOKEN_FILE_ENV}: Rasa's HTTP API never runs without one")
    if len(secret) < MIN_SECRET_LENGTH:
        raise MissingSecret(f"the Rasa API secret needs at least {MIN_SECRET_LENGTH} characters")
    return secret


def bearer_token(secret: str, conversation_id: str | None = None, seconds: int = TOKEN_SECONDS) -> str:
    """A signed token: for one conversation when given (Rasa's ``user`` role), else for the whole API."""
    user = (
        {"username": conversation_id, "role": "user"}
        if conversation_id
        else {"username": "jisr", "role": "admin"}
    )
    return jwt.encode({"user": user, "exp": int(time.time()) + seconds}, secret, algorithm=JWT_METHOD)


def auth_headers(env: Mapping[str, str] | None = None, conversation_id: str | None = None) -> dict[str, str]:
    """``Authorization`` header for one call to Rasa's HTTP API (urllib, requests, aiohttp …)."""
    return {"Authorization": f"Bearer {bearer_token(api_secret(env), conversation_id)}"}


class BearerAuth(httpx.Auth):
    """httpx authentication minting a fresh token per request (clients live longer than tokens)."""

    def __init__(self, secret: str, conversation_id: str | None = None) -> None:
        self.secret = secret
        self.conversation_id = conversation_id

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {bearer_token(self.secret, self.conversation_id)}"
        yield request


def ready_url(base_url: str) -> str:
    """Where to poll until a Rasa server answers (no token needed)."""
    return base_url.rstrip("/") + READY_PATH
