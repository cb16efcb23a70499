"""Writes the held-out NLU test set ``tests/data/nlu_holdout/<variety>.yml`` from the conversation tests.

Every citizen message of ``tests/stories`` is a phrasing written for the tests and kept out of
``data/nlu``; the story name says its variety ("…, darija latin script"). Messages whose normalised
text is a training example are left out, so the set stays held out. `make retrain-check` scores
the current and the candidate model on these files. Run again after adding conversation tests:
``python -m scripts.build_holdout`` (existing files are rewritten).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from bot.settings import ROOT

STORIES = ROOT / "tests" / "stories"
HOLDOUT = ROOT / "tests" / "data" / "nlu_holdout"
#: Phrases of the story names → variety tags of docs/nlu-data-format.md.
NAME_VARIETIES = {
    "darija arabic script": "ary_arab",
    "darija latin script": "ary_latn",
    "modern standard arabic": "ar",
    "french": "fr",
    "mixed": "mixed",
}


def variety_of_story(name: str) -> str | None:
    """The variety a story name declares, ``None`` when it names none."""
    lowered = name.lower()
    return next((v for phrase, v in NAME_VARIETIES.items() if phrase in lowered), None)


def story_messages(directory: Path = STORIES) -> dict[str, list[tuple[str, str]]]:
    """Variety → ``(annotated text, intent)`` of every user turn, in file order, without repeats."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for path in sorted(directory.glob("*.yml")):
        for story in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories") or []:
            variety = variety_of_story(story.get("story", ""))
            if variety is None:
                continue
            for step in story.get("steps") or []:
                if "user" in step and step.get("intent"):
                    found[variety].setdefault(" ".join(str(step["user"]).split()), step["intent"])
    return {variety: list(messages.items()) for variety, messages in found.items()}


def holdout_yaml(variety: str, messages: list[tuple[str, str]]) -> str:
    """NLU YAML with one block per intent, tagged with the variety."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in messages:
        by_intent[intent].append(text)
    lines = [
        "# Held-out NLU test set (never in data/nlu): written by scripts/build_holdout.py from tests/stories.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  metadata:", f"    variety: {variety}", "  examples: |"]
        lines += [f"    - {text}" for text in by_intent[intent]]
    return "\n".join(lines) + "\n"


def build(root: Path = ROOT) -> dict[str, int]:
    """Writes one file per variety; returns how many messages each holds."""
    from bot.nlu.training_examples import plain_text, project_examples
    from bot.text.normalization import normal_form

    training = {normal_form(e.text) for e in project_examples(root)}
    out = root / "tests" / "data" / "nlu_holdout"
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for variety, messages in sorted(story_messages(root / "tests" / "stories").items()):
        held_out = [(t, i) for t, i in messages if normal_form(plain_text(t)) not in training]
        (out / f"{variety}.yml").write_text(holdout_yaml(variety, held_out), encoding="utf-8")
        counts[variety] = len(held_out)
    return counts


if __name__ == "__main__":
    for variety, count in build().items():
        print(f"tests/data/nlu_holdout/{variety}.yml: {count} messages")
