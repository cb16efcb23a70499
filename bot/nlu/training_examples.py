"""Training examples of ``data/nlu`` with the file and line each one is written on.

Rasa's loader forgets where an example came from; content checks need it to point an editor at
the exact line to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_INTENT = re.compile(r"^-\s+intent:\s*(?P<name>\S+)\s*$")
_VARIETY = re.compile(r"^\s+variety:\s*(?P<name>\S+)\s*$")
_EXAMPLES = re.compile(r"^\s+examples:\s*\|")
_ITEM = re.compile(r"^(?P<indent>\s+)-\s(?P<text>.*\S)\s*$")
_TOP_LEVEL = re.compile(r"^\S")


@dataclass(frozen=True)
class Example:
    """One example as written (``annotated``), its plain text, intent, variety and position."""

    file: str
    line: int
    intent: str
    variety: str
    annotated: str
    text: str


def plain_text(annotated: str) -> str:
    """``fin [Tanja](city)`` → ``fin Tanja`` (Rasa's own entity syntax parser)."""
    from rasa.shared.nlu.training_data.entities_parser import replace_entities

    return replace_entities(annotated)


def read_examples(path: Path, root: Path) -> list[Example]:
    """Every intent example of one NLU YAML file, in file order."""
    rel = str(path.relative_to(root))
    intent = variety = ""
    in_examples = False
    examples: list[Example] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if _TOP_LEVEL.match(line) or line.lstrip().startswith("- intent:"):
            in_examples = False
            match = _INTENT.match(line.strip() if line.lstrip().startswith("- intent:") else line)
            intent, variety = (match["name"], "") if match else ("", "")
            continue
        if not intent:
            continue
        if match := _VARIETY.match(line):
            variety = match["name"]
        elif _EXAMPLES.match(line):
            in_examples = True
        elif in_examples and (match := _ITEM.match(line)):
            annotated = match["text"]
            examples.append(
                Example(rel, number, intent, variety or "unknown", annotated, plain_text(annotated))
            )
        elif in_examples and line.strip() and not line.startswith("    "):
            in_examples = False
    return examples


def project_examples(root: Path, folder: str = "data/nlu") -> list[Example]:
    """Examples of every YAML file under ``folder`` (sorted by path for stable reports)."""
    examples: list[Example] = []
    for path in sorted((root / folder).rglob("*.yml")):
        examples.extend(read_examples(path, root))
    return examples
