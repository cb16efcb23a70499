"""The broker's published form of each event is an allowlist; the production check names what is missing."""

from __future__ import annotations

from datetime import datetime

import pytest
from rasa.core.brokers.pika import PikaEventBroker
from rasa.shared.core.events import ReminderScheduled

from bot.privacy import event_broker
from bot.privacy.conversation_hash import conversation_hash
from bot.privacy.erase_settings import missing_erase_settings
from bot.privacy.event_broker import RedactingPikaEventBroker, erase_event, published_form

SENDER = "wa-212600000001"


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("REVIEW_SALT", "broker-test-salt")


def test_an_unknown_event_type_publishes_only_its_kind_time_and_hashed_conversation():
    form = published_form({"event": "something_new", "sender_id": SENDER, "timestamp": 1.0, "text": "secret"})
    assert form == {"event": "something_new", "timestamp": 1.0, "sender_id": conversation_hash(SENDER)}


@pytest.mark.parametrize(
    ("name", "value", "published"),
    [
        ("language", "fr", "fr"),
        ("language", "Casablanca, derb 5", None),  # not one of the declared values
        ("center_type", "women", "women"),
        ("handoff_active", True, True),
        ("handoff_active", "yes", None),
        ("city", "Sidi Bennour", None),  # free text
        ("latitude", 32.6, None),  # a location
        ("callback_phone", "0612345678", None),
        ("eligibility_answers", {"income": "1200"}, None),
    ],
)
def test_slot_values_are_published_only_for_listed_closed_slots(name, value, published):
    form = published_form(
        {"event": "slot", "sender_id": SENDER, "timestamp": 1.0, "name": name, "value": value}
    )
    assert form["name"] == name and form["value"] == published


def test_a_reminder_keeps_its_name_and_intent_not_its_entity_values():
    reminder = ReminderScheduled("EXTERNAL_x", trigger_date_time=datetime.now(),
                                 entities=[{"entity": "city", "value": "Tanger"}], name="r1")  # fmt: skip
    form = published_form({"sender_id": SENDER, **reminder.as_dict()})
    assert "Tanger" not in str(form)
    assert form["name"] == "r1" and form["intent"] == "EXTERNAL_x"


def test_erase_event_is_published_under_the_hashed_id():
    form = published_form(erase_event(SENDER, "retention", now=5.0))
    assert form == {"event": "conversation_erased", "timestamp": 5.0, "sender_id": conversation_hash(SENDER),
                    "reason": "retention"}  # fmt: skip
    with pytest.raises(ValueError):
        erase_event(SENDER, "because")


def test_the_policy_refuses_a_free_text_slot(tmp_path, monkeypatch):
    policy = tmp_path / "broker.yml"
    policy.write_text("published_slots: [city]\n")
    monkeypatch.setattr(event_broker, "BROKER_POLICY", policy)
    event_broker.publishable_slot_values.cache_clear()
    try:
        with pytest.raises(ValueError, match="city"):
            event_broker.publishable_slot_values()
    finally:
        event_broker.publishable_slot_values.cache_clear()


PRODUCTION = {"JISR_PROFILE": "production", "HANDOFF_DB_URL": "postgresql://h/db",
              "CHANNELS_DB_URL": "postgresql://h/db", "REVIEW_SALT": "s"}  # fmt: skip


def test_outside_production_nothing_is_required():
    assert missing_erase_settings({}) == []


@pytest.mark.parametrize("absent", ["HANDOFF_DB_URL", "CHANNELS_DB_URL", "REVIEW_SALT"])
def test_production_names_each_missing_setting(absent):
    env = {k: v for k, v in PRODUCTION.items() if k != absent}
    (problem,) = missing_erase_settings(env)
    assert absent in problem


def test_production_accepts_a_salt_file_and_refuses_an_empty_one(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "REVIEW_SALT"}
    salt = tmp_path / "salt"
    salt.write_text("")
    assert "empty" in missing_erase_settings({**env, "REVIEW_SALT_FILE": str(salt)})[0]
    salt.write_text("0123456789abcdef")
    assert missing_erase_settings({**env, "REVIEW_SALT_FILE": str(salt)}) == []


def test_production_refuses_rasas_plain_broker_which_publishes_text():
    plain = object.__new__(PikaEventBroker)
    assert "RedactingPikaEventBroker" in missing_erase_settings(PRODUCTION, plain)[0]
    assert "RedactingPikaEventBroker" in missing_erase_settings(PRODUCTION, PikaEventBroker)[0]
    assert missing_erase_settings(PRODUCTION, object.__new__(RedactingPikaEventBroker)) == []
    assert missing_erase_settings(PRODUCTION, RedactingPikaEventBroker) == []
