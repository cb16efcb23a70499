"""`make validate`'s project checks: each catches its broken fixture and passes the clean one.

Fixtures are small real projects (domain, NLU data, rules, stories) written to a temporary folder
and checked by the same functions `make validate` runs, with Rasa's real validator and the real
sentence encoder of the NLU pipeline.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.i18n.check import Problem
from bot.validation.duplicates import check_duplicates
from bot.validation.rasa_checks import check_rasa
from bot.validation.report import print_report, unique
from bot.validation.responses import check_unused_responses

CONFIG = """\
recipe: default.v1
language: fr
assistant_id: test-assistant
pipeline: []
policies:
  - name: RulePolicy
  - name: MemoizationPolicy
    max_history: 4
"""

DOMAIN = """\
version: "3.1"
intents:
  - greet
  - goodbye
  - thank
responses:
  utter_greet:
    - text: utter_greet
  utter_goodbye:
    - text: utter_goodbye
  utter_thank:
    - text: utter_thank
"""

RULES = """\
version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet

- rule: goodbye
  steps:
  - intent: goodbye
  - action: utter_goodbye
"""

STORIES = """\
version: "3.1"
stories:
- story: thanks after a greeting
  steps:
  - intent: greet
  - action: utter_greet
  - intent: thank
  - action: utter_thank
"""

INTENTS = {
    "greet": ["bonjour", "salut", "bonsoir madame"],
    "goodbye": ["au revoir", "bonne journée", "à bientôt"],
    "thank": ["merci", "merci beaucoup", "je vous remercie"],
}


def nlu_yaml(intents: dict[str, list[str]]) -> str:
    text = 'version: "3.1"\nnlu:\n'
    for intent, examples in intents.items():
        text += f"- intent: {intent}\n  metadata:\n    variety: fr\n  examples: |\n"
        text += "".join(f"    - {e}\n" for e in examples)
    return text


def project(tmp_path: Path, **files: str) -> Path:
    """A minimal assistant in ``tmp_path``; ``files`` (path → text) replace or add files."""
    contents = {
        "config.yml": CONFIG,
        "domain.yml": DOMAIN,
        "data/nlu/chitchat.yml": nlu_yaml(INTENTS),
        "data/rules/rules.yml": RULES,
        "data/stories/stories.yml": STORIES,
    }
    contents.update(files)
    for name, text in contents.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


# --------------------------------------------------------------------------- Rasa's validation


def test_clean_project_passes_rasa_validation_and_rule_check(tmp_path):
    assert check_rasa(project(tmp_path)) == []


def test_story_contradicting_a_rule_is_an_error_at_the_story(tmp_path):
    story = (
        STORIES
        + """
- story: greet answered with goodbye
  steps:
  - intent: greet
  - action: utter_goodbye
"""
    )
    problems = check_rasa(project(tmp_path, **{"data/stories/stories.yml": story}))
    contradictions = [p for p in problems if "runs 'utter_goodbye' where the rule(s) 'greet'" in p.text]
    assert contradictions, problems
    assert contradictions[0].file == "data/stories/stories.yml"
    assert contradictions[0].line == 10  # the line of "- story: greet answered with goodbye"
    assert all(p.level == "error" for p in contradictions)


def test_two_stories_that_disagree_are_an_error(tmp_path):
    stories = (
        STORIES
        + """
- story: thanks after a greeting, then goodbye
  steps:
  - intent: greet
  - action: utter_greet
  - intent: thank
  - action: utter_goodbye
"""
    )
    root = project(tmp_path, **{"data/stories/stories.yml": stories})
    problems = [p for p in check_rasa(root) if "stories disagree" in p.text]
    assert len(problems) == 1
    assert problems[0].file == "data/stories/stories.yml" and problems[0].line > 0


def test_intent_without_examples_is_reported_at_its_domain_line(tmp_path):
    domain = DOMAIN.replace("  - thank\n", "  - thank\n  - affirm\n")
    problems = check_rasa(project(tmp_path, **{"domain.yml": domain}))
    texts = [f"{p.file}:{p.line}: {p.text}" for p in problems]
    assert any(
        t.startswith("domain.yml:6: The intent 'affirm' is listed in the domain file") for t in texts
    ), texts
    assert any("add examples for it in data/nlu" in t for t in texts)


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    broken = RULES.replace("- rule: goodbye", '- rule: "goodbye" outside')
    problems = check_rasa(project(tmp_path, **{"data/rules/rules.yml": broken}))
    assert len(problems) == 1
    assert problems[0].file == "data/rules/rules.yml" and problems[0].line == 8
    assert problems[0].text.startswith("cannot load:")


def test_each_problem_is_printed_once_errors_first(capsys):
    twice = Problem("domain.yml", 3, "error", "broken")
    code = print_report([Problem("a.yml", 1, "warning", "check"), twice, twice])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("domain.yml:3: error: broken") == 1
    assert out.index("Errors") < out.index("domain.yml:3") < out.index("Warnings") < out.index("a.yml:1")
    assert unique([twice, twice]) == [twice]
    assert print_report([Problem("a.yml", 1, "warning", "check")]) == 0


# --------------------------------------------------------------------------- duplicates


def test_distinct_examples_pass_the_duplicate_check(tmp_path):
    assert check_duplicates(project(tmp_path)) == []


def test_same_text_under_two_intents_is_an_error_with_both_places(tmp_path):
    intents = {**INTENTS, "thank": [*INTENTS["thank"], "Bonjour !"]}  # case and punctuation differ
    problems = check_duplicates(project(tmp_path, **{"data/nlu/chitchat.yml": nlu_yaml(intents)}))
    errors = [p for p in problems if p.level == "error"]
    assert len(errors) == 1
    assert "'greet' (data/nlu/chitchat.yml:7), 'thank' (data/nlu/chitchat.yml:24)" in errors[0].text
    assert (errors[0].file, errors[0].line) == ("data/nlu/chitchat.yml", 7)


def test_near_same_meaning_under_two_intents_is_a_warning(tmp_path):
    intents = {**INTENTS, "thank": [*INTENTS["thank"], "personnes âgées"], "goodbye": [*INTENTS["goodbye"], "pour personnes âgées"]}  # fmt: skip
    root = project(tmp_path, **{"data/nlu/chitchat.yml": nlu_yaml(intents)})
    problems = check_duplicates(root)
    assert [p.level for p in problems] == ["warning"]
    assert (
        "meaning similarity" in problems[0].text and "'pour personnes âgées' of 'goodbye'" in problems[0].text
    )


def test_spelling_variant_under_another_intent_is_a_warning(tmp_path):
    intents = {**INTENTS, "goodbye": [*INTENTS["goodbye"], "je vous remerci"]}
    root = project(tmp_path, **{"data/nlu/chitchat.yml": nlu_yaml(intents)})
    problems = check_duplicates(root, encoder=_orthogonal)  # embeddings switched off: spelling only
    assert len(problems) == 1 and "spelling similarity" in problems[0].text


def test_negation_pairs_and_allowed_pairs_are_not_reported(tmp_path):
    intents = {**INTENTS, "goodbye": [*INTENTS["goodbye"], "non merci"], "greet": [*INTENTS["greet"], "pour personnes âgées"], "thank": [*INTENTS["thank"], "personnes âgées"]}  # fmt: skip
    settings = 'embedding_threshold: 0.9\nspelling_threshold: 92\nnegations: [non]\nallowed_pairs:\n  - ["personnes âgées", "pour personnes âgées"]\n'  # fmt: skip
    root = project(
        tmp_path, **{"data/nlu/chitchat.yml": nlu_yaml(intents), "data/validation/duplicates.yml": settings}
    )
    assert check_duplicates(root) == []


def test_same_writing_twice_in_one_intent_is_a_warning(tmp_path):
    intents = {**INTENTS, "greet": [*INTENTS["greet"], "salut"]}
    problems = check_duplicates(project(tmp_path, **{"data/nlu/chitchat.yml": nlu_yaml(intents)}))
    assert [(p.level, p.line) for p in problems] == [("warning", 10)]
    assert "repeats line 8" in problems[0].text


def test_embedding_cache_is_reused(tmp_path):
    root = project(tmp_path)
    calls: list[int] = []

    def counting(texts):
        calls.append(len(texts))
        return _orthogonal(texts)

    check_duplicates(root, encoder=counting, cache_dir=tmp_path / "cache")
    check_duplicates(root, encoder=counting, cache_dir=tmp_path / "cache")
    assert calls == [9]


def _orthogonal(texts):
    import numpy as np

    return np.eye(len(texts), max(len(texts), 1), dtype=np.float32)


# --------------------------------------------------------------------------- unused responses


def test_used_responses_pass(tmp_path):
    assert check_unused_responses(project(tmp_path)) == []


def test_response_nobody_sends_is_a_warning_at_its_line(tmp_path):
    domain = DOMAIN + "  utter_forgotten:\n    - text: utter_forgotten\n  utter_from_action:\n    - text: x\n"
    domain += "  utter_ask_city:\n    - text: utter_ask_city\nforms:\n  search_form:\n    required_slots:\n      - city\n"
    root = project(tmp_path, **{"domain.yml": domain})
    (root / "actions").mkdir()
    (root / "actions" / "custom.py").write_text('dispatcher.utter_message(response="utter_from_action")\n')
    problems = check_unused_responses(root)
    assert [(p.file, p.line, p.level) for p in problems] == [("domain.yml", 13, "warning")]
    assert "'utter_forgotten' is never sent" in problems[0].text


@pytest.mark.parametrize("name", ["utter_default", "utter_ask_rephrase"])
def test_responses_of_rasa_default_actions_count_as_used(tmp_path, name):
    domain = DOMAIN + f"  {name}:\n    - text: {name}\n"
    assert check_unused_responses(project(tmp_path, **{"domain.yml": domain})) == []
