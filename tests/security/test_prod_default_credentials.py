"""Attack: the production profile runs on the trial defaults (PostgreSQL without a password, Redis
without AUTH, RabbitMQ's guest account), so anyone who reaches those services reads or rewrites
every conversation."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot import rasa_api
from bot.ops.prod import Layout, profile_env
from bot.ops.prod_settings import LOCAL_TRIAL_ENV, InsecureSettings
from bot.settings import ROOT

CREDENTIAL_VARIABLES = (
    "TRACKER_DB_PASSWORD", "TRACKER_DB_URL", "HANDOFF_DB_URL", "CHANNELS_DB_URL", "REDIS_PASSWORD",
    "RABBITMQ_USER", "RABBITMQ_PASSWORD", LOCAL_TRIAL_ENV, rasa_api.TOKEN_ENV, rasa_api.TOKEN_FILE_ENV,
)  # fmt: skip
SECURE = {
    "TRACKER_DB_PASSWORD": "pg-" + "p" * 20, "REDIS_PASSWORD": "redis-" + "r" * 20, "RABBITMQ_USER": "jisr",
    "RABBITMQ_PASSWORD": "mq-" + "m" * 20, rasa_api.TOKEN_ENV: "t" * 48,
}  # fmt: skip


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
    env.update(values)
    return env


def refusal(env: dict[str, str]) -> list[str]:
    with pytest.raises(InsecureSettings) as refused:
        profile_env(Layout.on_free_ports(1, 1), env)
    return refused.value.problems


def test_the_production_profile_refuses_each_default_credential():
    everything = refusal(clean_env())
    assert {p.split(":")[0] for p in everything} == {"Rasa HTTP API", "PostgreSQL", "Redis", "RabbitMQ"}
    for name, default, service in (
        ("TRACKER_DB_PASSWORD", "", "PostgreSQL"), ("REDIS_PASSWORD", "", "Redis"),
        ("RABBITMQ_USER", "guest", "RabbitMQ"), ("RABBITMQ_PASSWORD", "guest", "RabbitMQ"),
        (rasa_api.TOKEN_ENV, "", "Rasa HTTP API"),
    ):  # fmt: skip
        problems = refusal(clean_env(**{**SECURE, name: default}))
        assert {p.split(":")[0] for p in problems} == {service}, name
    # a database URL given directly must carry a password too
    assert refusal(clean_env(**SECURE, HANDOFF_DB_URL="postgresql://postgres@db:5432/jisr"))
    env = profile_env(Layout.on_free_ports(1, 1), clean_env(**SECURE))
    assert ":pg-" in env["TRACKER_DB_URL"]


def test_make_run_prod_stops_before_starting_anything_on_defaults():
    result = subprocess.run(
        [sys.executable, "-m", "bot.ops.prod"], cwd=ROOT, env={**clean_env(), "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "refuses to start" in result.stderr and "REDIS_PASSWORD" in result.stderr
    assert "Starting" not in result.stdout


def test_a_local_trial_is_explicit_and_gets_a_random_api_secret():
    env = profile_env(Layout.on_free_ports(1, 1), clean_env(**{LOCAL_TRIAL_ENV: "1"}))
    assert rasa_api.api_secret(env)  # the installation's owner-only secret file
    assert os.stat(env[rasa_api.TOKEN_FILE_ENV]).st_mode & 0o777 == 0o600
