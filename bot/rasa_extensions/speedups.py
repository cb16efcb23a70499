"""Two per-message costs of Rasa 3.6 that repeat work whose result never changes, computed once.

Profiling one Rasa instance under `make bench-load` (py-spy, docs/benchmarks.md "Where a Rasa
instance spends its time") finds about a tenth of its CPU in two places of Rasa that recompute the
same thing per call:

- ``Event.resolve_by_type`` walks every subclass of ``Event`` to find the class of each stored event,
  once per event per message when a tracker is loaded (5.5 % of the instance's CPU). The classes are
  fixed once Rasa is imported, so the lookup becomes a dictionary, rebuilt when a name is unknown
  (a class defined later is still found) and with Rasa's own answers for ``topic`` and defaults.
- ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which checks the (constant)
  response schema itself and builds a validator on every action call (4.4 %). Here the validator is
  built once; responses are validated exactly as by Rasa and a bad one raises the same error.

Installed by :func:`bot.rasa_extensions.install` (idempotent); behaviour is unchanged, which the
tests check against Rasa's original functions.
"""

from __future__ import annotations

import functools
from typing import Any

import rasa.shared.utils.common
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

_INSTALLED = "_jisr_speedup_installed"
ORIGINAL_RESOLVE_BY_TYPE = Event.resolve_by_type
ORIGINAL_VALIDATE_ACTION_RESULT = RemoteAction._validate_action_result


def _event_classes_by_type() -> dict[str, type[Event]]:
    """type name → class, the first subclass in Rasa's own search order winning, as in Rasa."""
    classes: dict[str, type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def _cached_resolve_by_type() -> Any:
    classes = _event_classes_by_type()

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        cls = classes.get(type_name)
        if cls is None:
            classes.update(_event_classes_by_type())  # a subclass defined since the last build
            cls = classes.get(type_name)
        if cls is not None:
            return cls
        if type_name == "topic":
            return None  # Rasa: backwards compatibility with old TopicSet events
        if default is not None:
            return default
        raise ValueError(f"Unknown event name '{type_name}'.")

    return staticmethod(resolve_by_type)


@functools.lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Replaces both functions once per process."""
    if not getattr(Event, _INSTALLED, False):
        Event.resolve_by_type = _cached_resolve_by_type()
        setattr(Event, _INSTALLED, True)
    if not getattr(RemoteAction._validate_action_result, _INSTALLED, False):
        setattr(_validate_action_result, _INSTALLED, True)
        RemoteAction._validate_action_result = _validate_action_result
