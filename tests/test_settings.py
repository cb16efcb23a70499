"""bot.settings: one typed field per variable the code reads, held together with the contract."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.ops.environment import Contract
from bot.settings import ROOT, Settings, get_settings


def channel_variables() -> set[str]:
    """Variable names credentials.yml gives the Telegram and WhatsApp channels."""
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    return {value for entry in credentials.values() if isinstance(entry, dict) for value in entry.values()}


def test_root_is_the_repository():
    assert (ROOT / "domain.yml").is_file() and (ROOT / "bot" / "settings.py").is_file()


def test_every_field_is_in_the_contract_and_every_contract_variable_is_read():
    contract = Contract.load()
    declared = set(contract.variables) | set(contract.local_only)
    fields = set(Settings.variables())
    assert fields - declared == set(), "fields of bot/settings.py missing from deploy/environment.yml"
    unread = declared - fields - channel_variables() - set(contract.read_elsewhere)
    assert unread == set(), (
        "deploy/environment.yml lists variables no field reads (or add them to read_elsewhere)"
    )
    assert fields & set(contract.read_elsewhere) == set(), (
        "a field of bot/settings.py listed as read elsewhere"
    )


def test_every_field_has_a_meaning():
    for name, variable in Settings.variables().items():
        assert variable.__doc__, name
        assert variable.attribute, name


def test_values_come_from_the_environment_when_asked(monkeypatch):
    monkeypatch.delenv("CONSOLE_PORT", raising=False)
    settings = get_settings()
    assert settings.console_port == 5006
    monkeypatch.setenv("CONSOLE_PORT", "7001")
    assert settings.console_port == 7001
    assert get_settings({"CONSOLE_PORT": "7002"}).console_port == 7002


@pytest.mark.parametrize(
    "environ, field, expected",
    [
        ({}, "channel_http_timeout", 10.0),
        ({"CHANNEL_HTTP_TIMEOUT": ""}, "channel_http_timeout", 10.0),
        ({"CHANNEL_HTTP_TIMEOUT": "2.5"}, "channel_http_timeout", 2.5),
        ({}, "console_secure_cookies", True),
        ({"CONSOLE_SECURE_COOKIES": "0"}, "console_secure_cookies", False),
        ({"CONSOLE_SECURE_COOKIES": "Yes"}, "console_secure_cookies", True),
        ({"HANDOFF_DB_URL": ""}, "handoff_db_url", None),
        ({"RASA_TOKEN": "  t  "}, "rasa_token", "t"),
        ({}, "handoff_db", ROOT / "var" / "handoff.db"),
        ({"HANDOFF_DB": "/x/h.db"}, "handoff_db", Path("/x/h.db")),
        ({"HANDOFF_REQUIRE_STAFF_ONLINE": "0"}, "handoff_require_staff_online", False),
        ({}, "handoff_require_staff_online", True),
    ],
)
def test_parsing(environ, field, expected):
    assert getattr(get_settings(environ), field) == expected


def test_a_bad_number_is_an_error_when_read():
    settings = get_settings({"CONSOLE_PORT": "many"})
    assert settings.console_host == "127.0.0.1"
    with pytest.raises(ValueError):
        _ = settings.console_port


def test_settings_cannot_be_assigned():
    with pytest.raises(AttributeError, match="CONSOLE_PORT"):
        get_settings({}).console_port = 1
