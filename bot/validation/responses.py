"""Responses of ``domain.yml`` that nothing ever sends.

A response is used when a rule or story runs it, when a custom action sends it
(``dispatcher.utter_message(response="utter_…")`` or any string naming it in ``actions/`` or
``bot/``), when it is the question of a form slot (``utter_ask_<slot>``), or when Rasa's default
actions send it (``utter_default``, ``utter_ask_rephrase``). Rasa's own check counts rules and
stories only, so it would call the responses sent by actions unused.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.i18n.check import Problem
from bot.validation.locate import Locator

RASA_DEFAULT_RESPONSES = frozenset({"utter_default", "utter_ask_rephrase"})
CODE_FOLDERS = ("actions", "bot")
DATA_FOLDERS = ("data/rules", "data/stories")


def _actions_in_data(root: Path) -> set[str]:
    """Every ``action:`` step of the rules and stories (broken files are reported elsewhere)."""
    used: set[str] = set()
    for folder in DATA_FOLDERS:
        for path in sorted((root / folder).rglob("*.yml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                continue
            for block in (data.get("rules") or []) + (data.get("stories") or []):
                used.update(_step_actions(block.get("steps") or []))
    return used


def _step_actions(steps: list) -> set[str]:
    used = set()
    for step in steps:
        if not isinstance(step, dict):
            continue
        if "action" in step:
            used.add(str(step["action"]))
        for branch in step.get("or") or []:  # `or:` holds alternative user steps only, but be safe
            if isinstance(branch, dict) and "action" in branch:
                used.add(str(branch["action"]))
    return used


def _names_in_code(root: Path, names: set[str]) -> set[str]:
    """Which of ``names`` appear as a quoted string in the Python code of the project."""
    if not names:
        return set()
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    pattern = re.compile(rf"""["']({alternatives})["']""")
    found: set[str] = set()
    for folder in CODE_FOLDERS:
        for path in (root / folder).rglob("*.py"):
            found.update(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
    return found


def _form_questions(domain: dict) -> set[str]:
    """``utter_ask_<slot>`` and ``utter_ask_<form>_<slot>`` of every form's required slots."""
    asks = set()
    for form, spec in (domain.get("forms") or {}).items():
        for slot in (spec or {}).get("required_slots") or []:
            asks.update({f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"})
    return asks


def check_unused_responses(root: Path, domain_file: str = "domain.yml") -> list[Problem]:
    """A warning for each response no rule, story, form, action or Rasa default sends."""
    path = root / domain_file
    try:
        domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []  # a broken domain is reported by Rasa's validation
    responses = set(domain.get("responses") or {})
    used = _actions_in_data(root) | _form_questions(domain) | RASA_DEFAULT_RESPONSES
    unused = responses - used
    unused -= _names_in_code(root, unused)
    locator = Locator(root, [path])
    problems = []
    for name in sorted(unused):
        file, line = locator.find(rf"^\s{{2}}{re.escape(name)}:\s*$") or (domain_file, 0)
        problems.append(
            Problem(file, line, "warning",
                    f"the response '{name}' is never sent (no rule, story, form or action uses it): "
                    "add it to a rule or story in data/rules or data/stories, or delete it and its "
                    "catalogue texts")
        )  # fmt: skip
    return problems
