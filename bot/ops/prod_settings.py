"""Security settings the production profile refuses to run without.

A deployment reached from the network must not run on a trial machine's defaults: Rasa's HTTP API
without a secret, PostgreSQL without a password, Redis without AUTH, RabbitMQ's ``guest`` account.
``JISR_LOCAL_TRIAL=1`` (``make run-prod LOCAL_TRIAL=1``) accepts them for a run on one machine
whose services listen on loopback only (tests, ``make bench-load``); the API then gets the
installation's random secret file, as in the embedded profile.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot import rasa_api
from bot.settings import get_settings

LOCAL_TRIAL_ENV = "JISR_LOCAL_TRIAL"
DEFAULT_BROKER_ACCOUNT = "guest"


class InsecureSettings(SystemExit):
    """The profile was asked to start on default credentials (exits the CLI with the reasons)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "The production profile refuses to start:\n  "
            + "\n  ".join(problems)
            + f"\nSet these (docs/deploy.md), or run a trial on this machine only with {LOCAL_TRIAL_ENV}=1."
        )


def local_trial(env: dict[str, str]) -> bool:
    return get_settings(env).local_trial


def problems(env: dict[str, str]) -> list[str]:
    """One line per default or missing credential in ``env``."""
    settings = get_settings(env)
    found = []
    if not (settings.rasa_token or settings.rasa_token_file):
        found.append(
            f"Rasa HTTP API: set {rasa_api.TOKEN_ENV} or {rasa_api.TOKEN_FILE_ENV} (a random secret)"
        )
    else:
        try:
            rasa_api.api_secret(env)
        except rasa_api.MissingSecret as error:
            found.append(f"Rasa HTTP API: {error}")
    databases = {
        "TRACKER_DB_URL": settings.tracker_db_url,
        "HANDOFF_DB_URL": settings.handoff_db_url,
        "CHANNELS_DB_URL": settings.channels_db_url,
    }
    for name, url in databases.items():
        if url and url.startswith("postgresql") and not sa.engine.make_url(url).password:
            found.append(f"PostgreSQL: {name} has no password (TRACKER_DB_PASSWORD)")
    if not settings.redis_password:
        found.append("Redis: REDIS_PASSWORD is empty (the lock store would connect without AUTH)")
    if settings.rabbitmq_user == DEFAULT_BROKER_ACCOUNT or settings.rabbitmq_password in {
        None,
        DEFAULT_BROKER_ACCOUNT,
    }:
        found.append("RabbitMQ: the guest account or an empty password (RABBITMQ_USER/RABBITMQ_PASSWORD)")
    return found


def secure(env: dict[str, str]) -> dict[str, str]:
    """``env`` checked: raises :class:`InsecureSettings` unless every credential is set or this is a local trial.

    A local trial without ``RASA_TOKEN``/``RASA_TOKEN_FILE`` gets the installation's secret file.
    """
    if local_trial(env):
        settings = get_settings(env)
        if not (settings.rasa_token or settings.rasa_token_file):
            env[rasa_api.TOKEN_FILE_ENV] = str(rasa_api.ensure_token_file())
        return env
    found = problems(env)
    if found:
        raise InsecureSettings(found)
    return env
