"""Console settings from the environment, with embedded defaults for a laptop install."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.console.client_address import parse_networks
from bot.settings import ROOT

DEFAULT_PORT = 5006


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ConsoleConfig:
    """Everything the console reads from the environment, in one place."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    db_url: str | None = None
    rasa_url: str | None = None
    secret_file: Path = ROOT / "var" / "console.key"
    #: ``Secure`` attribute of the session cookie. Browsers accept it on https and on loopback
    #: (localhost, 127.0.0.1); turn it off only to try the console over plain http on a LAN.
    secure_cookies: bool = True
    session_seconds: int = 12 * 3600
    timezone: str = "Africa/Casablanca"
    sse_poll_seconds: float = 0.5
    #: How long one event stream stays open; the browser reconnects by itself afterwards.
    sse_max_seconds: float = 600.0
    snippets_file: Path = ROOT / "data" / "handoff" / "snippets.yml"
    outcomes_file: Path = ROOT / "data" / "handoff" / "outcomes.yml"
    #: Proxies whose ``X-Real-IP`` names the client (``CONSOLE_TRUSTED_PROXIES``, comma-separated
    #: addresses or networks); none by default: the connection's own address counts.
    trusted_proxies: tuple = ()
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> ConsoleConfig:
        env = os.environ
        return cls(
            host=env.get("CONSOLE_HOST", "127.0.0.1"),
            port=int(env.get("CONSOLE_PORT", DEFAULT_PORT)),
            db_url=env.get("HANDOFF_DB_URL") or None,
            rasa_url=env.get("RASA_URL") or None,
            secret_file=Path(env.get("CONSOLE_SECRET_FILE", ROOT / "var" / "console.key")),
            secure_cookies=_flag("CONSOLE_SECURE_COOKIES", True),
            session_seconds=int(env.get("CONSOLE_SESSION_SECONDS", 12 * 3600)),
            timezone=env.get("CONSOLE_TIMEZONE", "Africa/Casablanca"),
            sse_poll_seconds=float(env.get("CONSOLE_SSE_POLL_SECONDS", 0.5)),
            trusted_proxies=parse_networks(env.get("CONSOLE_TRUSTED_PROXIES", "")),
        )
