"""Console settings from the environment, with embedded defaults for a laptop install."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.console.client_address import parse_networks
from bot.settings import ROOT, get_settings

DEFAULT_PORT = 5006


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
        settings = get_settings()
        return cls(
            host=settings.console_host,
            port=settings.console_port,
            db_url=settings.handoff_db_url,
            rasa_url=settings.rasa_url,
            secret_file=settings.console_secret_file,
            secure_cookies=settings.console_secure_cookies,
            session_seconds=settings.console_session_seconds,
            timezone=settings.console_timezone,
            sse_poll_seconds=settings.console_sse_poll_seconds,
            trusted_proxies=parse_networks(settings.console_trusted_proxies),
        )
