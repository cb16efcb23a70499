"""Rasa's own data validation, run in-process and reported as ``file:line`` problems.

`rasa data validate` prints warnings by name only, mixed with log lines; here the same checks run
(domain, intents, actions, forms, slot mappings, story structure) and each finding becomes one
``Problem`` at the line where the name is written, with a fix hint. Two checks are left to the
project's own versions, so nothing is reported twice: duplicate examples (bot.validation.duplicates)
and unused responses (bot.validation.responses, which also counts responses used by actions).
On top, the dialogue rules are checked against the stories the way training does (RulePolicy's
contradiction check), so a story that contradicts a rule is found without training.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import Callable, Iterable

import yaml

from bot.i18n.check import Problem
from bot.validation.locate import Locator

TRAINING_DATA = ("data/nlu", "data/rules", "data/stories")

#: Rasa warning text → (where to point, level, hint). ``where`` gets the locator and the match.
Rule = tuple[re.Pattern, Callable[[Locator, re.Match], tuple[str, int]], str]
_RULES: list[Rule] = [
    (re.compile(r"The intent '(?P<n>[^']+)' is listed in the domain file, but is not found in the NLU"),
     lambda loc, m: loc.domain_entry(m["n"]),
     "add examples for it in data/nlu, or remove it from the intents of domain.yml"),
    (re.compile(r"labeled with intent '(?P<n>[^']+)'\. This intent is not listed in your domain"),
     lambda loc, m: loc.find(rf"-\s*intent:\s*{re.escape(m['n'])}\s*$") or loc.default(),
     "declare it under 'intents:' in domain.yml (or fix the spelling of the intent name)"),
    (re.compile(r"The intent '(?P<n>[^']+)' is used in your stories, but it is not listed"),
     lambda loc, m: loc.find(rf"intent:\s*{re.escape(m['n'])}\s*$") or loc.default(),
     "declare it under 'intents:' in domain.yml (or fix the spelling in the rule or story)"),
    (re.compile(r"The intent '(?P<n>[^']+)' is not used in any story or rule"),
     lambda loc, m: loc.domain_entry(m["n"]),
     "add a rule in data/rules that says what the assistant does after it"),
    (re.compile(r"The action '(?P<n>[^']+)' is used in the stories, but is not a valid utterance"),
     lambda loc, m: loc.find(rf"action:\s*{re.escape(m['n'])}\s*$") or loc.default(),
     "add a response with this name to domain.yml (or fix the spelling)"),
    (re.compile(r"The (action|form) '(?P<n>[^']+)' is used in the '(?P<b>.+)' block, but it is not listed"),
     lambda loc, m: loc.block(m["b"]),
     "add it to 'actions:' (or 'forms:') in domain.yml, or fix the spelling"),
    (re.compile(r"The form slot '(?P<s>[^']+)' in form '(?P<n>[^']+)' is not present"),
     lambda loc, m: loc.domain_entry(m["n"]),
     "declare the slot under 'slots:' in domain.yml"),
    (re.compile(r"Slot '(?P<n>[^']+)' has a mapping condition for form"),
     lambda loc, m: loc.domain_entry(m["n"]),
     "name an existing form in the slot's mapping condition and list the slot in that form"),
    (re.compile(r"The config file is missing"),
     lambda loc, m: ("config.yml", 0),
     "add the key to config.yml"),
]  # fmt: skip
#: Rasa warnings whose subject the project checks itself (reported once, by the project's check).
_SKIPPED = (
    re.compile(r"is not used in any story or rule\.$"),
    re.compile(r"labeled with multiple different"),
)


#: Intents that only external events trigger (Rasa's naming convention) need no NLU examples.
_EXTERNAL = re.compile(
    r"The intent 'EXTERNAL_[^']+' is listed in the domain file, but is not found in the NLU"
)


def problem_from_warning(text: str, locator: Locator) -> Problem | None:
    """One Rasa warning as a located problem (``None`` for those the project reports itself)."""
    text = " ".join(text.split())
    if (any(p.search(text) for p in _SKIPPED) and not text.startswith("The intent")) or _EXTERNAL.search(
        text
    ):
        return None
    for pattern, where, hint in _RULES:
        if match := pattern.search(text):
            file, line = where(locator, match)
            return Problem(file, line, "error", f"{_first_sentence(text)}: {hint}")
    file, line = locator.default()
    return Problem(file, line, "error", text)


def _first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".")


def problem_from_exception(error: Exception, root: Path) -> Problem:
    """A file that Rasa cannot load (YAML syntax, schema, domain) as one located problem."""
    text = " ".join(str(error).split())
    filename = getattr(error, "filename", None) or ""
    line = 0
    if match := re.search(r"[Ll]ine (\d+)", text):
        line = int(match[1])
    elif (mark := getattr(error, "problem_mark", None)) is not None:
        line = mark.line + 1
    try:
        file = str(Path(filename).resolve().relative_to(root.resolve())) if filename else "domain.yml"
    except ValueError:
        file = filename
    text = re.sub(r"^Failed to read '[^']+'\. ", "", text).split(" You can use https://yamlchecker")[0]
    return Problem(file, line, "error", f"cannot load: {text}: fix the file (indentation, quotes, keys)")


def story_conflicts(validator, locator: Locator, max_history: int | None) -> list[Problem]:
    """Rasa's story-structure check: same history, different next action in two stories."""
    from rasa.core.training.story_conflict import find_story_conflicts
    from rasa.shared.core.generator import TrainingDataGenerator

    trackers = TrainingDataGenerator(
        validator.story_graph, domain=validator.domain, remove_duplicates=False, augmentation_factor=0
    ).generate_story_trackers()
    problems = []
    for conflict in find_story_conflicts(trackers, validator.domain, max_history):
        actions = conflict._conflicting_actions  # {action: [story names]}; no public accessor
        names = [name for stories in actions.values() for name in stories]
        file, line = locator.block(_block_name(names[0])) if names else locator.default()
        detail = "; ".join(f"{a} in {', '.join(repr(s) for s in stories)}" for a, stories in actions.items())
        problems.append(
            Problem(file, line, "error",
                    f"stories disagree on the next action after the same conversation ({detail}): "
                    "make the stories continue the same way, or make their earlier steps differ")
        )  # fmt: skip
    return problems


def _block_name(tracker_name: str) -> str:
    """Story trackers are named after their blocks, joined with ' > ' across checkpoints."""
    return tracker_name.split(" > ")[0]


def rule_contradictions(validator, config: dict, locator: Locator) -> list[Problem]:
    """RulePolicy's training-time check: a story or rule predicting another action than a rule."""
    import tempfile

    from rasa.core.policies.rule_policy import InvalidRule, RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.generator import TrainingDataGenerator

    entry = next((p for p in config.get("policies") or [] if p.get("name") == "RulePolicy"), None)
    if entry is None:
        return []
    settings = {**RulePolicy.get_default_config(), **{k: v for k, v in entry.items() if k != "name"}}
    settings["check_for_contradictions"] = True
    trackers = TrainingDataGenerator(
        validator.story_graph, domain=validator.domain, augmentation_factor=0
    ).generate()
    with tempfile.TemporaryDirectory() as tmp:
        policy = RulePolicy.create(
            settings, LocalModelStorage(Path(tmp)), Resource("rule_check"), ExecutionContext(GraphSchema({}))
        )
        logging.getLogger("rasa.core.policies").setLevel(logging.ERROR)
        try:
            policy.train(trackers, validator.domain)
        except InvalidRule as error:
            return list(_invalid_rule_problems(str(error), locator))
    return []


_CONTRADICTION = re.compile(
    r"- the prediction of the action '(?P<a>[^']+)' in (?P<kind>rule|story) '(?P<n>[^']+)' "
    r"is contradicting with rule\(s\) '(?P<r>[^']+)'"
)
_INCOMPLETE = re.compile(r"- the (action|form) '(?P<a>[^']+)' in rule '(?P<n>[^']+)' (?P<t>does not set.*)")
_TOO_LONG = re.compile(r"Found rules '(?P<n>[^']+)' that contain more than")


def _invalid_rule_problems(text: str, locator: Locator) -> Iterable[Problem]:
    for raw in text.splitlines():
        line = raw.strip()
        if match := _CONTRADICTION.match(line):
            file, number = locator.block(_block_name(match["n"]))
            yield Problem(file, number, "error",
                          f"the {match['kind']} '{match['n']}' runs '{match['a']}' where the rule(s) "
                          f"'{match['r']}' run another action: change the {match['kind']} or the rule "
                          "so that the same situation always leads to the same action")  # fmt: skip
        elif match := _INCOMPLETE.match(line):
            file, number = locator.block(match["n"])
            yield Problem(file, number, "error",
                          f"in rule '{match['n']}', '{match['a']}' {match['t'].rstrip('.')}: add the missing "
                          "'slot_was_set' steps to the rule")  # fmt: skip
        elif match := _TOO_LONG.search(line):
            for name in match["n"].split(", "):
                file, number = locator.block(name)
                yield Problem(file, number, "error",
                              f"rule '{name}' has more than one user message: split it, or write it as a story")  # fmt: skip


def _quiet_rasa() -> None:
    """No progress bars, no debug lines: only the problems are printed."""
    import os

    os.environ["LOG_LEVEL"] = "ERROR"  # read by Rasa's progress bars
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)
    logging.getLogger("rasa").setLevel(logging.ERROR)


def _expected(warning: warnings.WarningMessage) -> bool:
    """Warnings Rasa itself filters out in its CLI (e.g. the 3.0 slot auto-fill notice)."""
    from rasa.utils.common import EXPECTED_WARNINGS

    return any(
        issubclass(warning.category, category) and re.match(pattern, str(warning.message))
        for category, pattern in EXPECTED_WARNINGS
    )


def check_rasa(root: Path, config: str = "config.yml", domain: str = "domain.yml") -> list[Problem]:
    """Every Rasa data-validation finding for the project at ``root``, each once, located."""
    from rasa.shared.exceptions import RasaException
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    _quiet_rasa()

    locator = Locator.for_project(root, domain)
    config_data = yaml.safe_load((root / config).read_text(encoding="utf-8")) or {}
    problems: list[Problem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            importer = TrainingDataImporter.load_from_config(
                str(root / config),
                str(root / domain),
                [str(root / d) for d in TRAINING_DATA if (root / d).exists()],
            )
            validator = Validator.from_importer(importer)
        except (RasaException, yaml.YAMLError, ValueError) as error:
            return [problem_from_exception(error, root)]
        if validator.domain.is_empty():
            return [Problem(domain, 0, "error", "the domain is empty or cannot be read: check domain.yml")]
        validator.verify_domain_validity()
        validator.verify_actions_in_stories_rules()
        validator.verify_forms_in_stories_rules()
        validator.verify_form_slots()
        validator.verify_slot_mappings()
        validator.verify_intents_in_stories(ignore_warnings=False)
        validator.verify_utterances_in_stories(ignore_warnings=False)
        validator.warn_if_config_mandatory_keys_are_not_set()
        max_history = max((p.get("max_history") or 0 for p in config_data.get("policies") or []), default=0)
        problems += story_conflicts(validator, locator, max_history or None)
        try:
            problems += rule_contradictions(validator, config_data, locator)
        except RasaException as error:
            problems.append(problem_from_exception(error, root))
    for warning in caught:
        if not issubclass(warning.category, UserWarning) or "/rasa/" not in str(warning.filename):
            continue
        if not _expected(warning) and (problem := problem_from_warning(str(warning.message), locator)):
            problems.append(problem)
    return problems
