"""Where message keys are used: the one source read by ``make i18n-check`` and ``make i18n-extract``.

Keys are declared as data, never discovered by importing the code that uses them (which would
make the translations depend on the actions, the channels and what they import):

- ``domain.yml``: each response's text and button titles;
- ``locales/keys.yml``: the keys custom actions send to the NLG, and the keys channels and the
  opening hours render through ``bot.i18n.render.direct_text``, grouped by feature;
- the content files that ``locales/keys.yml`` names (the eligibility programmes).

Each key comes with the file and line that declare it, for ``file:line`` reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from bot.i18n.catalogs import LOCALES_DIR
from bot.settings import ROOT

KEYS_FILE = LOCALES_DIR / "keys.yml"


@dataclass(frozen=True)
class Use:
    """Where a key is declared."""

    file: str
    line: int


def _line_of(lines: list[str], pattern: str) -> int:
    regex = re.compile(pattern)
    return next((n for n, line in enumerate(lines, start=1) if regex.search(line)), 0)


def domain_keys(domain_file: Path) -> dict[str, int]:
    """Message keys used by responses in the domain, with the line where each first appears."""
    lines = domain_file.read_text(encoding="utf-8").splitlines()
    data = yaml.safe_load("\n".join(lines)) or {}
    keys: dict[str, int] = {}
    for variations in (data.get("responses") or {}).values():
        for variation in variations or []:
            candidates = [variation.get("text")] + [b.get("title") for b in variation.get("buttons") or []]
            for key in filter(None, candidates):
                keys.setdefault(key, _line_of(lines, rf"(text|title):\s*['\"]?{re.escape(key)}['\"]?\s*$"))
    return keys


def declared_keys(keys_file: Path = KEYS_FILE) -> dict[str, int]:
    """The keys of ``locales/keys.yml``'s ``keys:`` groups, with their lines."""
    return declared_keys_of_text(keys_file.read_text(encoding="utf-8").splitlines())


def key_groups(keys_file: Path = KEYS_FILE) -> dict[str, list[str]]:
    """The ``keys:`` groups of ``locales/keys.yml`` (``opening_hours``, ``channels``…) and their keys."""
    data = yaml.safe_load(keys_file.read_text(encoding="utf-8")) or {}
    return {str(name): [str(key) for key in group or []] for name, group in (data.get("keys") or {}).items()}


def declared_keys_of_text(lines: list[str]) -> dict[str, int]:
    """The keys of the ``keys:`` groups of a ``keys.yml`` text, with their lines."""
    data = yaml.safe_load("\n".join(lines)) or {}
    keys: dict[str, int] = {}
    for group in (data.get("keys") or {}).values():
        for key in group or []:
            keys.setdefault(str(key), _line_of(lines, rf"^\s*-\s*{re.escape(str(key))}\s*(#.*)?$"))
    return keys


def _field_values(node: Any, fields: frozenset[str]) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name in fields and isinstance(value, str):
                yield value
            elif name in fields and isinstance(value, dict):  # one key per answer: said: {"yes": key}
                yield from (key for key in value.values() if isinstance(key, str))
            else:
                yield from _field_values(value, fields)
    elif isinstance(node, list):
        for item in node:
            yield from _field_values(item, fields)


def content_keys(root: Path = ROOT, keys_file: Path = KEYS_FILE) -> dict[str, Use]:
    """Keys held by the content files that ``locales/keys.yml`` names, with file and line."""
    data = yaml.safe_load(keys_file.read_text(encoding="utf-8")) or {}
    keys: dict[str, Use] = {}
    for entry in data.get("content") or []:
        fields = frozenset(entry.get("fields") or ())
        for path in sorted(root.glob(entry["files"])):
            lines = path.read_text(encoding="utf-8").splitlines()
            rel = str(path.relative_to(root))
            for key in _field_values(yaml.safe_load("\n".join(lines)), fields):
                if key not in keys:
                    keys[key] = Use(rel, _line_of(lines, rf":\s*['\"]?{re.escape(key)}['\"]?\s*(#.*)?$"))
    return keys


def used_keys(root: Path = ROOT) -> dict[str, Use]:
    """Every key the assistant uses, each with where it is declared (first declaration wins)."""
    keys_file = root / "locales" / "keys.yml"
    found: dict[str, Use] = {
        key: Use("domain.yml", line) for key, line in domain_keys(root / "domain.yml").items()
    }
    rel = str(keys_file.relative_to(root))
    for key, line in declared_keys(keys_file).items():
        found.setdefault(key, Use(rel, line))
    for key, use in content_keys(root, keys_file).items():
        found.setdefault(key, use)
    return found
