"""What a process that erases conversations needs, checked before it serves anything.

An erase in the Rasa process (and ``make purge``) reaches the handoff database, the channel
database, the review queue (through a salted hash) and the event broker. Each of these falls back
to a file under ``var/`` when its setting is missing, which is right on a developer machine and
wrong in a cluster: the erase would delete from a pod-local SQLite file and leave the shared
copy in place, silently. In the production profile (``JISR_PROFILE=production``, set by
``make run-prod`` and by every deployment) a missing setting stops the process at start-up
with the list of what is missing.
"""

from __future__ import annotations

from typing import Any, Mapping

from bot.settings import Settings, get_settings

PRODUCTION = "production"


class EraseSettingsMissing(RuntimeError):
    """The production profile lacks a setting an erase needs; the process must not start."""


def is_production(env: Mapping[str, str] | None = None) -> bool:
    """True in the production profile."""
    return get_settings(env).profile.strip().lower() == PRODUCTION


def _salt_problem(settings: Settings) -> str | None:
    """The salt must be named explicitly: the implicit default is a file local to the process.

    ``REVIEW_SALT_FILE`` may point to a file not made yet (one machine: the first process makes
    it); in a cluster it is a mounted Secret, or ``REVIEW_SALT`` comes from one.
    """
    if settings.review_salt:
        return None
    salt_file = settings.review_salt_file
    if not salt_file:
        return "REVIEW_SALT or REVIEW_SALT_FILE (the salt of conversation hashes, the same in every process)"
    if salt_file.is_file() and not salt_file.read_bytes().strip():
        return f"REVIEW_SALT_FILE points to {salt_file}, which is empty"
    return None


def missing_erase_settings(env: Mapping[str, str] | None = None, event_broker: Any = None) -> list[str]:
    """One line per missing setting (empty outside the production profile).

    ``event_broker`` is the configured broker, or its class.
    """
    settings = get_settings(env)
    if not is_production(env):
        return []
    # Databases an erase writes to (both default to SQLite files under var/).
    databases = {"HANDOFF_DB_URL": settings.handoff_db_url, "CHANNELS_DB_URL": settings.channels_db_url}
    problems = [
        f"{name} (erase must reach the shared database)" for name, url in databases.items() if not url
    ]
    salt = _salt_problem(settings)
    if salt:
        problems.append(salt)
    if event_broker is not None:
        from bot.privacy.event_broker import RedactingPikaEventBroker

        broker_class = event_broker if isinstance(event_broker, type) else type(event_broker)
        if not issubclass(broker_class, RedactingPikaEventBroker):
            problems.append(
                "event_broker must be bot.privacy.event_broker.RedactingPikaEventBroker "
                f"(got {broker_class.__name__}, which publishes citizen text and cannot announce erasures)"
            )
    return problems


def require_erase_settings(env: Mapping[str, str] | None = None, event_broker: Any = None) -> None:
    """Raises :class:`EraseSettingsMissing` when the production profile lacks an erase setting."""
    problems = missing_erase_settings(env, event_broker)
    if problems:
        raise EraseSettingsMissing(
            "Production profile: this process erases conversations and lacks\n  - " + "\n  - ".join(problems)
        )
