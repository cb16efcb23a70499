"""Keeps the bot quiet while a caseworker has the conversation.

While the ``handoff_active`` slot is set, every citizen message is relayed to the caseworker's
console by ``action_relay_to_caseworker`` (which also answers a danger signal with the emergency
lines and alerts the console), whatever the classifier, the rules or the forms would do. A few
things still pass through to the normal dialogue: the quick-exit erase and its confirmation
(safety), and the ``EXTERNAL_`` intents the console triggers (caseworker replies, claim, close).
A policy rather than rules, because rules cannot say "any intent".
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=True
)
class HandoffPolicy(Policy):
    """Predicts the relay action for every citizen message during a live handoff."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "priority": 7,  # above RulePolicy (6)
            "active_slot": "handoff_active",
            "relay_action": "action_relay_to_caseworker",
            "pass_through_intents": ["delete_my_data"],
            "pass_through_after_actions": ["utter_delete_confirm"],
            "external_prefix": "EXTERNAL_",
        }

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> HandoffPolicy:
        return cls(config, model_storage, resource, execution_context)

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        """Nothing to learn: the behaviour is fixed."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self.relayed_action(tracker)
        if action:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def relayed_action(self, tracker: DialogueStateTracker) -> str | None:
        """The action this policy insists on, or None to let the other policies decide."""
        if not tracker.get_slot(self.config["active_slot"]):
            return None
        latest = tracker.latest_action_name
        if latest == self.config["relay_action"]:
            return ACTION_LISTEN_NAME
        if latest != ACTION_LISTEN_NAME or not isinstance(tracker.latest_message, UserUttered):
            return None
        intent = (tracker.latest_message.intent or {}).get("name") or ""
        if intent.startswith(self.config["external_prefix"]) or intent in self.config["pass_through_intents"]:
            return None
        if _bot_action_before_latest_message(tracker) in self.config["pass_through_after_actions"]:
            return None
        return self.config["relay_action"]


def _bot_action_before_latest_message(tracker: DialogueStateTracker) -> str | None:
    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_user:
                return None
            seen_user = True
        elif seen_user and isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name
    return None
