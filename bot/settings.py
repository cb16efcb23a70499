"""The repository root and every environment variable the assistant's code reads, in one place.

Each variable is a field of :class:`Settings` with its default and what it is for; the deployment
contract (``deploy/environment.yml``) lists the same names, and ``tests/test_settings.py`` holds the
two together. Variables that only Rasa, Sanic, libpq, supervisord or the image read (the
``${…}`` of endpoints.prod.yml, ``SANIC_BACKLOG``, ``PGSSLMODE``, …) and the channel secrets whose
names ``credentials.yml`` gives are in the contract only.

A value is read from the environment when it is asked for, never at import: a process sees the
environment it was started with, and a test that sets a variable before calling the code (or
before starting a subprocess) is seen. Rules for a value: unset means the default; a number or a
path left empty also means the default; an optional text left empty means unset (``None``).

This module is the bottom layer: it imports nothing from ``bot`` or ``actions``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Generic, Mapping, TypeVar, overload

ROOT = Path(__file__).resolve().parents[1]

T = TypeVar("T")


def text(raw: str) -> str:
    return raw


def optional_text(raw: str) -> str | None:
    """Empty is unset."""
    return raw or None


def stripped_text(raw: str) -> str | None:
    """Surrounding blanks dropped; empty is unset."""
    return raw.strip() or None


def integer(raw: str) -> int | None:
    return int(raw) if raw.strip() else None


def number(raw: str) -> float | None:
    return float(raw) if raw.strip() else None


def flag(raw: str) -> bool:
    """1, true, yes or on (any case) is true; anything else, the empty text included, is false."""
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def path(raw: str) -> Path | None:
    return Path(raw) if raw else None


class Variable(Generic[T]):
    """One environment variable: its name, how its text becomes a value, its default, its meaning.

    A parser returning ``None`` means "use the default".
    """

    def __init__(self, name: str, parse: Callable[[str], T | None], default: T, doc: str) -> None:
        self.name = name
        self.parse = parse
        self.default = default
        self.__doc__ = doc
        self.attribute = ""

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    @overload
    def __get__(self, instance: None, owner: type) -> Variable[T]: ...

    @overload
    def __get__(self, instance: Settings, owner: type) -> T: ...

    def __get__(self, instance: Settings | None, owner: type) -> Variable[T] | T:
        if instance is None:
            return self
        raw = instance.environ.get(self.name)
        value = None if raw is None else self.parse(raw)
        return self.default if value is None else value

    def __set__(self, instance: Settings, value: object) -> None:
        raise AttributeError(f"settings are read from the environment: set {self.name} instead")


class Settings:
    """The environment of this process (or a given mapping), one typed attribute per variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    @classmethod
    def variables(cls) -> dict[str, Variable]:
        """Every variable, by environment name."""
        return {value.name: value for value in vars(cls).values() if isinstance(value, Variable)}

    # Profile
    profile = Variable(
        "JISR_PROFILE",
        text,
        "",
        "production makes the erasing processes refuse to start without every erase setting",
    )
    local_trial = Variable(
        "JISR_LOCAL_TRIAL",
        flag,
        False,
        "the production profile accepts default credentials on one loopback machine",
    )

    # Databases
    tracker_db_url = Variable(
        "TRACKER_DB_URL",
        optional_text,
        None,
        "SQLAlchemy URL of the tracker database (retention, review, migrations)",
    )
    tracker_db = Variable(
        "TRACKER_DB",
        path,
        ROOT / "var" / "tracker.db",
        "SQLite file of the tracker store when TRACKER_DB_URL is unset",
    )
    handoff_db_url = Variable(
        "HANDOFF_DB_URL",
        optional_text,
        None,
        "SQLAlchemy URL of the handoff database (queue, transcripts, review items)",
    )
    handoff_db = Variable(
        "HANDOFF_DB",
        path,
        ROOT / "var" / "handoff.db",
        "SQLite file of the handoff database when HANDOFF_DB_URL is unset",
    )
    channels_db_url = Variable(
        "CHANNELS_DB_URL",
        optional_text,
        None,
        "SQLAlchemy URL of the channel state (duplicates, message ids)",
    )
    channels_db = Variable(
        "CHANNELS_DB",
        path,
        ROOT / "var" / "channels.db",
        "SQLite file of the channel state when CHANNELS_DB_URL is unset",
    )

    # Secrets (each falls back to an owner-only file under var/ made on first use)
    review_salt = Variable(
        "REVIEW_SALT",
        optional_text,
        None,
        "HMAC salt of review items and the broker's sender ids, shared by every process",
    )
    review_salt_file = Variable(
        "REVIEW_SALT_FILE",
        path,
        None,
        "file holding the salt when REVIEW_SALT is unset (unset: var/review.salt)",
    )
    callback_key = Variable(
        "CALLBACK_KEY", optional_text, None, "Fernet key of callback phone numbers (unset: var/callback.key)"
    )
    console_secret = Variable(
        "CONSOLE_SECRET",
        optional_text,
        None,
        "Fernet key of the console's session cookie, the same for every instance",
    )
    console_secret_file = Variable(
        "CONSOLE_SECRET_FILE",
        path,
        ROOT / "var" / "console.key",
        "key file of the console when CONSOLE_SECRET is unset",
    )
    rasa_token = Variable(
        "RASA_TOKEN", stripped_text, None, "secret of Rasa's HTTP API (at least 32 characters)"
    )
    rasa_token_file = Variable(
        "RASA_TOKEN_FILE",
        path,
        None,
        "file holding Rasa's API secret when RASA_TOKEN is unset (make run makes one)",
    )
    webchat_secret = Variable(
        "WEBCHAT_SECRET",
        optional_text,
        None,
        "signs web-chat sessions and buttons (at least 32 bytes), the same everywhere",
    )
    webchat_secret_file = Variable(
        "WEBCHAT_SECRET_FILE",
        path,
        ROOT / "var" / "webchat.secret",
        "file holding the web-chat secret when WEBCHAT_SECRET is unset",
    )

    # Rasa API, channels, web chat
    rasa_url = Variable(
        "RASA_URL",
        optional_text,
        None,
        "Rasa's HTTP API for caseworker replies (unset: http://127.0.0.1:5005)",
    )
    rasa_port = Variable("RASA_PORT", integer, 5005, "Rasa's port under make run and make shell")
    instance_id = Variable(
        "INSTANCE_ID",
        optional_text,
        None,
        "instance name in the X-Jisr-Instance header and metrics (unset: rasa-<pid>)",
    )
    channel_event_lease_seconds = Variable(
        "CHANNEL_EVENT_LEASE_SECONDS",
        number,
        30.0,
        "how long an instance's claim on an incoming message lasts",
    )
    channel_max_body_bytes = Variable(
        "CHANNEL_MAX_BODY_BYTES",
        integer,
        256 * 1024,
        "largest webhook body accepted (the Ingress has the same limit)",
    )
    channel_http_timeout = Variable(
        "CHANNEL_HTTP_TIMEOUT", number, 10.0, "seconds per outgoing Telegram or WhatsApp API call"
    )
    channel_retry_attempts = Variable(
        "CHANNEL_RETRY_ATTEMPTS", integer, 4, "attempts of an outgoing channel call (at least 1)"
    )
    channel_retry_base_delay = Variable(
        "CHANNEL_RETRY_BASE_DELAY", number, 0.5, "first retry delay of an outgoing channel call, doubling"
    )
    channel_retry_max_delay = Variable(
        "CHANNEL_RETRY_MAX_DELAY", number, 30.0, "longest retry delay (also the longest Retry-After honoured)"
    )
    webchat_redis_url = Variable(
        "WEBCHAT_REDIS_URL",
        optional_text,
        None,
        "Redis for web-chat pushes between instances (unset: from REDIS_*)",
    )
    webchat_session_hours = Variable(
        "WEBCHAT_SESSION_HOURS",
        number,
        12.0,
        "a web-chat session's lifetime after its last use, in hours",
    )
    webchat_exit_url = Variable("WEBCHAT_EXIT_URL", text, "", "where the web-chat page's quick exit goes")
    redis_host = Variable(
        "REDIS_HOST", optional_text, None, "Redis of the lock store, also used for web-chat pushes"
    )
    redis_port = Variable("REDIS_PORT", optional_text, None, "its port (unset: 6379)")
    redis_db = Variable("REDIS_DB", optional_text, None, "its database number (unset: 0)")
    redis_password = Variable("REDIS_PASSWORD", optional_text, None, "its password (empty: no AUTH)")
    redis_key_prefix = Variable(
        "REDIS_KEY_PREFIX", optional_text, None, "separates deployments sharing a Redis"
    )
    rabbitmq_user = Variable("RABBITMQ_USER", optional_text, None, "event broker user (checked: not guest)")
    rabbitmq_password = Variable(
        "RABBITMQ_PASSWORD", optional_text, None, "event broker password (checked: set)"
    )

    # Console
    console_host = Variable("CONSOLE_HOST", text, "127.0.0.1", "the console's listen address")
    console_port = Variable("CONSOLE_PORT", integer, 5006, "the console's port")
    console_secure_cookies = Variable(
        "CONSOLE_SECURE_COOKIES",
        flag,
        True,
        "Secure attribute of the session cookie (keep it on behind https)",
    )
    console_session_seconds = Variable(
        "CONSOLE_SESSION_SECONDS", integer, 12 * 3600, "lifetime of a console session"
    )
    console_timezone = Variable(
        "CONSOLE_TIMEZONE", text, "Africa/Casablanca", "time zone of the console's dates"
    )
    console_sse_poll_seconds = Variable(
        "CONSOLE_SSE_POLL_SECONDS", number, 0.5, "how often the console's live updates read the database"
    )
    console_trusted_proxies = Variable(
        "CONSOLE_TRUSTED_PROXIES", text, "", "comma-separated proxies whose X-Real-IP names the client"
    )

    # Action server and handoff
    actions_port = Variable("ACTIONS_PORT", integer, 5055, "the action server's port")
    sanic_host = Variable("SANIC_HOST", text, "127.0.0.1", "the action server's listen address")
    log_level = Variable("LOG_LEVEL", text, "INFO", "the action server's log level")
    office_hours_file = Variable(
        "OFFICE_HOURS_FILE",
        path,
        None,
        "the team's hours and holidays (unset: data/handoff/office_hours.yml)",
    )
    handoff_require_staff_online = Variable(
        "HANDOFF_REQUIRE_STAFF_ONLINE",
        lambda raw: raw != "0",
        True,
        "a handoff waits for a caseworker with the console open; 0 lets tests queue one with nobody online",
    )
    review_nlu_dir = Variable(
        "REVIEW_NLU_DIR", path, None, "where accepted review examples are written (unset: data/nlu)"
    )

    # The production profile on one machine (make run-prod)
    rasa_instances = Variable("RASA_INSTANCES", integer, 2, "Rasa instances of make run-prod")
    action_servers = Variable("ACTION_SERVERS", integer, 2, "action servers of make run-prod")
    rasa_base_port = Variable(
        "RASA_BASE_PORT", integer, 5101, "port of the first Rasa instance of make run-prod"
    )
    actions_base_port = Variable(
        "ACTIONS_BASE_PORT", integer, 5151, "port of the first action server of make run-prod"
    )
    proxy_port = Variable("PROXY_PORT", integer, 8080, "nginx's public port under make run-prod")
    proxy_api_port = Variable(
        "PROXY_API_PORT", integer, 8085, "nginx's port for Rasa's API under make run-prod"
    )
    proxy_console_port = Variable(
        "PROXY_CONSOLE_PORT", integer, 8081, "nginx's console port under make run-prod"
    )
    proxy_actions_port = Variable(
        "PROXY_ACTIONS_PORT", integer, 8055, "nginx's action server port under make run-prod"
    )
    supervision_crash_limit = Variable(
        "SUPERVISION_CRASH_LIMIT",
        integer,
        5,
        "crashes within the window after which supervisord stops a program",
    )
    supervision_crash_window_seconds = Variable(
        "SUPERVISION_CRASH_WINDOW_SECONDS", number, 600.0, "that window, in seconds"
    )

    # Tools
    i18n_domain = Variable(
        "JISR_I18N_DOMAIN",
        optional_text,
        None,
        "the one catalogue domain a Babel extraction keeps (unset: all)",
    )


def get_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of ``environ``, by default of this process's environment as it is now."""
    return Settings(os.environ if environ is None else environ)
