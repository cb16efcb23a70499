"""Writes accepted review items as training examples, one file per intent under ``data/nlu/review/``.

Same format as the topic files (docs/nlu-data-format.md): one block per variety tagged with
``metadata: {variety: …}``, so Rasa trains on them (``data/nlu`` is read recursively) and
``make validate`` checks them with the rest. Each write holds a file lock and replaces the file
atomically, so two editors accepting at once never corrupt it. A sentence that is already an
example (after the same normalisation as the duplicate check) is not written again, and one that
is an example of another intent is refused: it would teach the classifier two answers.

Only the sentence is written — no conversation hash, item id, time or channel —, so an accepted
example is content with no link to the conversation it came from (the console has the editor
confirm it holds nothing personal first).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.review.grouping import VARIETIES
from bot.settings import ROOT, get_settings

_INTENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_SPACES = re.compile(r"\s+")
MAX_EXAMPLE_CHARS = 500


class ExampleConflict(ValueError):
    """The sentence is already an example of another intent."""

    def __init__(self, intent: str, file: str) -> None:
        super().__init__(f"already an example of '{intent}' in {file}")
        self.intent, self.file = intent, file


@dataclass(frozen=True)
class Written:
    """Where an example went, and whether it was new."""

    path: Path
    added: bool


def nlu_dir() -> Path:
    """``REVIEW_NLU_DIR`` (tests), else the project's data/nlu."""
    return get_settings().review_nlu_dir or ROOT / "data" / "nlu"


def clean_example(text: str) -> str:
    """One line, no entity syntax by accident ("[phone](x)" would be read as an annotation)."""
    from rasa.shared.nlu.training_data.entities_parser import replace_entities

    line = _SPACES.sub(" ", text or "").strip()[:MAX_EXAMPLE_CHARS]
    if replace_entities(line) != line:
        line = line.replace("[", "(").replace("]", ")")
    return line


def _blocks(path: Path) -> dict[str, list[str]]:
    """The examples of a review file by variety (empty when the file does not exist)."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    blocks: dict[str, list[str]] = {}
    for block in data.get("nlu") or []:
        variety = ((block.get("metadata") or {}).get("variety")) or "unknown"
        lines = [line.strip()[2:].strip() for line in str(block.get("examples") or "").splitlines()]
        blocks.setdefault(variety, []).extend(line for line in lines if line)
    return blocks


def render(intent: str, blocks: dict[str, list[str]]) -> str:
    """The file's text: a header comment and one block per variety, in a stable order."""
    order = [v for v in VARIETIES if v in blocks] + sorted(v for v in blocks if v not in VARIETIES)
    out = [
        "# Examples accepted from real conversations in the console's review page (bot/review).",
        "# Edit like any NLU file; the review page appends to it.",
        'version: "3.1"',
        "nlu:",
    ]
    for variety in order:
        if not blocks[variety]:
            continue
        out += [f"- intent: {intent}", "  metadata:", f"    variety: {variety}", "  examples: |"]
        out += [f"    - {example}" for example in blocks[variety]]
    return "\n".join(out) + "\n"


def _lock_path(review: Path) -> Path:
    """A lock file outside the data folder (nothing stray for git or the training fingerprint)."""
    digest = hashlib.sha256(str(review.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"jisr-review-{digest}.lock"


def _existing(folder: Path) -> dict[str, tuple[str, str]]:
    """Normal form → (intent, file) of every example under ``folder``."""
    from bot.nlu.training_examples import project_examples
    from bot.text.normalization import normal_form

    return {normal_form(e.text): (e.intent, e.file) for e in project_examples(folder.parent, folder.name)}


def append_example(intent: str, variety: str, text: str, folder: Path | None = None) -> Written:
    """Adds ``text`` to ``review/<intent>.yml`` under ``folder`` (data/nlu) in ``variety``."""
    from bot.text.normalization import normal_form

    folder = folder or nlu_dir()
    if not _INTENT_NAME.match(intent):
        raise ValueError(f"not an intent name: {intent!r}")
    if variety not in VARIETIES:
        raise ValueError(f"unknown variety {variety!r}")
    example = clean_example(text)
    if not example:
        raise ValueError("empty example")
    review = folder / "review"
    review.mkdir(parents=True, exist_ok=True)
    path = review / f"{intent}.yml"
    with _lock_path(review).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        same = _existing(folder).get(normal_form(example))
        if same and same[0] != intent:
            raise ExampleConflict(*same)
        if same:
            return Written(path, False)
        blocks = _blocks(path)
        blocks.setdefault(variety, []).append(example)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=review, suffix=".tmp", delete=False
        ) as handle:
            handle.write(render(intent, blocks))
        os.replace(handle.name, path)
    return Written(path, True)
