"""Conversation tests: every story in tests/stories is played against the trained model.

Unlike `rasa test core`, which trusts the intent written in the story, each citizen message here
goes through the running assistant (REST channel, NLU, dialogue, action server): the predicted intent must be the labelled one, annotated
entities must be found, and the assistant must run exactly the story's actions. Messages are
new phrasings in Darija (both scripts), Arabic and French, not training examples.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.entities_parser import find_entities_in_training_example, replace_entities

from bot.geo.gazetteer import default_gazetteer
from bot.settings import ROOT
from bot.text.numbers import parse_number

pytestmark = pytest.mark.server
STORIES_DIR = ROOT / "tests" / "stories"
IGNORED_ACTIONS = {"action_listen", "action_session_start", "action_extract_slots"}


def canonical(entity: str, value: str) -> str:
    """The value the NLU should give an annotated span: canonical city id, integer for numbers."""
    if entity == "city":
        city = default_gazetteer().resolve(value)
        return city.id if city else value
    if entity == "number":
        number = parse_number(value)
        return str(number) if number is not None else value
    return value


@dataclass
class Turn:
    text: str
    intent: str | None  # None: a free answer inside a form (e.g. a phone number), intent not checked
    entities: list[tuple[str, str]]
    actions: list[str] = field(default_factory=list)


def load_stories(directory: Path = STORIES_DIR) -> dict[str, list[Turn]]:
    """Story name → turns, from every YAML file of the directory."""
    stories: dict[str, list[Turn]] = {}
    for path in sorted(directory.glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8")).get("stories", []):
            turns: list[Turn] = []
            for step in story["steps"]:
                if "user" in step:
                    annotated = step["user"].strip()
                    entities = [
                        (e["entity"], canonical(e["entity"], str(e["value"])))
                        for e in find_entities_in_training_example(annotated)
                    ]
                    turns.append(Turn(replace_entities(annotated), step.get("intent"), entities))
                elif "action" in step:
                    turns[-1].actions.append(step["action"])
            stories[f"{path.stem}: {story['story']}"] = turns
    return stories


STORIES = load_stories()


def _actions_of_last_turn(events: list[dict]) -> list[str]:
    last_user = max((i for i, e in enumerate(events) if e["event"] == "user"), default=None)
    if last_user is None:
        return []
    return [
        e["name"]
        for e in events[last_user + 1 :]
        if e["event"] == "action" and e["name"] not in IGNORED_ACTIONS
    ]


def _play(assistant, turns: list[Turn]) -> list[str]:
    """Sends each message through the REST channel of the running assistant (with its action server)
    and reads the actions of that turn from the tracker store."""
    sender = f"story-{uuid.uuid4().hex}"
    problems = []
    actual: list[list[str]] = []
    for number, turn in enumerate(turns, start=1):
        parse = assistant.parse(turn.text)
        predicted = parse["intent"]["name"]
        if turn.intent is not None and predicted != turn.intent:
            problems.append(f"turn {number} {turn.text!r}: intent {predicted} instead of {turn.intent}")
        found = {(e["entity"], str(e["value"])) for e in parse.get("entities", [])}
        for entity in turn.entities:
            if entity not in found:
                problems.append(f"turn {number} {turn.text!r}: entity {entity} not found in {sorted(found)}")
        assistant.say(sender, turn.text)
        events = assistant.tracker(sender)["events"]
        if "utter_delete_done" in turn.actions:
            # an erase leaves nothing behind: no message of the citizen may remain stored
            erased = not any(e["event"] == "user" for e in events)
            actual.append(turn.actions if erased else ["<conversation not erased>"])
        else:
            actual.append(_actions_of_last_turn(events))
    expected = [turn.actions for turn in turns]
    if actual != expected:
        problems.append(f"actions {actual} instead of {expected}")
    return problems


@pytest.mark.parametrize("name", sorted(STORIES))
def test_story(assistant, name: str) -> None:
    problems = _play(assistant, STORIES[name])
    assert problems == [], "\n".join(problems)


def test_every_intent_is_tested_in_the_four_varieties() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    varieties = ("darija arabic script", "darija latin script", "modern standard arabic", "french")
    missing = [
        f"{intent}, {variety}"
        for intent in domain["intents"]
        if not intent.startswith("EXTERNAL_")  # triggered by the console, never typed (test_handoff_flow.py)
        for variety in varieties
        if not any(name.split(": ", 1)[1].startswith(f"{intent}, {variety}") for name in STORIES)
    ]
    assert missing == []
