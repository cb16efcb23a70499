"""The two Rasa speed-ups give exactly Rasa's own answers: same event classes, same errors."""

from __future__ import annotations

import pytest
import rasa.shared.utils.common
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet, UserUttered

from bot.rasa_extensions import speedups


@pytest.fixture(scope="module", autouse=True)
def installed():
    before = (Event.__dict__["resolve_by_type"], RemoteAction._validate_action_result)
    speedups.install()
    speedups.install()  # idempotent
    yield
    Event.resolve_by_type, RemoteAction._validate_action_result = before
    if hasattr(Event, speedups._INSTALLED):
        delattr(Event, speedups._INSTALLED)


def test_every_event_type_resolves_to_rasas_class() -> None:
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        assert Event.resolve_by_type(name) is speedups.ORIGINAL_RESOLVE_BY_TYPE(name), name


def test_unknown_names_behave_as_in_rasa() -> None:
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no-such-event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="no-such-event"):
        Event.resolve_by_type("no-such-event")


def test_an_event_class_defined_later_is_found() -> None:
    class LateEvent(SlotSet):
        type_name = "jisr_late_test_event"

    assert Event.resolve_by_type("jisr_late_test_event") is LateEvent


def test_stored_events_round_trip_through_the_cached_lookup() -> None:
    stored = [
        UserUttered("salam", {"name": "greet", "confidence": 0.9}).as_dict(),
        SlotSet("city", "tanger").as_dict(),
    ]
    events = [Event.from_parameters(event) for event in stored]
    assert isinstance(events[0], UserUttered) and events[0].text == "salam"
    assert isinstance(events[1], SlotSet) and events[1].value == "tanger"


def test_action_responses_are_validated_as_before() -> None:
    action = RemoteAction("action_services", None)
    good = {"events": [{"event": "slot", "name": "city", "value": "tanger"}], "responses": [{"text": "ok"}]}
    assert action._validate_action_result(good) is True
    assert speedups.ORIGINAL_VALIDATE_ACTION_RESULT(action, good) is True
    bad = {"events": "not a list", "responses": []}
    with pytest.raises(ValidationError) as ours:
        action._validate_action_result(bad)
    with pytest.raises(ValidationError) as rasas:
        speedups.ORIGINAL_VALIDATE_ACTION_RESULT(action, bad)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message
