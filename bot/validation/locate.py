"""Finds the file and line where a name (intent, response, story, rule, slot…) is written.

Rasa's validator reports problems by name only; content editors need the line to open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

DATA_FOLDERS = ("data/nlu", "data/rules", "data/stories")


@dataclass
class Locator:
    """Index of where names are declared in ``domain.yml`` and the training data."""

    root: Path
    files: list[Path] = field(default_factory=list)
    _lines: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def for_project(cls, root: Path, domain: str = "domain.yml", folders=DATA_FOLDERS) -> Locator:
        files = [root / domain] + [p for f in folders for p in sorted((root / f).rglob("*.yml"))]
        return cls(root, [p for p in files if p.exists()])

    def lines(self, path: Path) -> list[str]:
        rel = self.rel(path)
        if rel not in self._lines:
            self._lines[rel] = path.read_text(encoding="utf-8").splitlines()
        return self._lines[rel]

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def find(self, pattern: str, files: list[Path] | None = None) -> tuple[str, int] | None:
        """First ``(file, line)`` whose line matches the regular expression ``pattern``."""
        regex = re.compile(pattern)
        for path in files or self.files:
            for number, line in enumerate(self.lines(path), start=1):
                if regex.search(line):
                    return self.rel(path), number
        return None

    def block(self, name: str) -> tuple[str, int]:
        """Where the story or rule called ``name`` starts."""
        quoted = re.escape(name)
        found = self.find(rf"^\s*-\s*(story|rule):\s*['\"]?{quoted}['\"]?\s*$")
        return found or self.default()

    def domain_entry(self, name: str) -> tuple[str, int]:
        """Where ``name`` is declared in domain.yml (a key ``name:`` or a list item ``- name``)."""
        quoted = re.escape(name)
        found = self.find(rf"^\s*(-\s*)?['\"]?{quoted}['\"]?\s*:?\s*$", self.files[:1])
        return found or self.default()

    def anywhere(self, name: str) -> tuple[str, int]:
        """Declaration in the domain, else the first use of ``name`` as a whole word in the data."""
        found = self.domain_entry(name)
        if found != self.default():
            return found
        return self.find(rf"(?<![\w]){re.escape(name)}(?![\w])") or self.default()

    def default(self) -> tuple[str, int]:
        return (self.rel(self.files[0]) if self.files else "domain.yml"), 0
