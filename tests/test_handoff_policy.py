"""HandoffPolicy: silent bot during a live handoff, with the quick exit and the console's intents passing."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.handoff_policy import HandoffPolicy

DOMAIN = Domain.load("domain.yml")


@pytest.fixture(scope="module")
def policy(tmp_path_factory) -> HandoffPolicy:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(GraphSchema({}), "test")
    return HandoffPolicy(HandoffPolicy.get_default_config(), storage, Resource("handoff"), context)


def tracker_with(*events) -> DialogueStateTracker:
    tracker = DialogueStateTracker("t", DOMAIN.slots)
    tracker.update_with_events(list(events), DOMAIN)
    return tracker


def user(intent: str, text: str = "hello") -> list:
    return [UserUttered(text, {"name": intent, "confidence": 1.0})]


def listen() -> ActionExecuted:
    return ActionExecuted("action_listen")


IN_HANDOFF = [ActionExecuted("action_handoff"), SlotSet("handoff_active", True), listen()]


@pytest.mark.parametrize(
    "intent", ["greet", "find_center", "nlu_fallback", "talk_to_human", "emergency", "deny"]
)
def test_every_citizen_message_is_relayed_during_a_handoff(policy, intent):
    tracker = tracker_with(*IN_HANDOFF, *user(intent))
    assert policy.relayed_action(tracker) == "action_relay_to_caseworker"
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    assert prediction.probabilities[DOMAIN.index_for_action("action_relay_to_caseworker")] == 1.0


def test_after_relaying_the_bot_listens(policy):
    tracker = tracker_with(*IN_HANDOFF, *user("greet"), ActionExecuted("action_relay_to_caseworker"))
    assert policy.relayed_action(tracker) == "action_listen"


def test_no_opinion_without_a_handoff(policy):
    tracker = tracker_with(listen(), *user("greet"))
    assert policy.relayed_action(tracker) is None
    assert max(policy.predict_action_probabilities(tracker, DOMAIN).probabilities) == 0.0


@pytest.mark.parametrize(
    "intent", ["EXTERNAL_caseworker_message", "EXTERNAL_handoff_closed", "delete_my_data"]
)
def test_console_intents_and_the_quick_exit_pass_through(policy, intent):
    assert policy.relayed_action(tracker_with(*IN_HANDOFF, *user(intent))) is None


def test_the_erase_confirmation_passes_through(policy):
    tracker = tracker_with(
        *IN_HANDOFF,
        *user("delete_my_data", "msa7"),
        ActionExecuted("utter_delete_confirm"),
        BotUttered("sure?"),
        listen(),
        *user("affirm", "/affirm"),
    )
    assert policy.relayed_action(tracker) is None


def test_a_yes_that_is_not_an_erase_confirmation_is_relayed(policy):
    tracker = tracker_with(*IN_HANDOFF, *user("greet"), ActionExecuted("action_relay_to_caseworker"), listen(),
                           *user("affirm", "oui"))  # fmt: skip
    assert policy.relayed_action(tracker) == "action_relay_to_caseworker"
