"""Content check: every message key is translated, with the same placeholders, in every locale.

Keys come from ``domain.yml`` (response texts, button titles), from the actions (topic titles of
the fallback) and from any catalogue. Problems are printed as ``file:line: message`` and the
command exits 1 when there is any error (warnings alone exit 0).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n.catalogs import DOMAIN, LOCALES, catalog_domains, po_path
from bot.settings import ROOT

_PLACEHOLDER = re.compile(r"{([^{}\n]+)}")


@dataclass(frozen=True)
class Problem:
    """One finding, printed as ``file:line: level: text``."""

    file: str
    line: int
    level: str
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.level}: {self.text}"


def domain_keys(domain_file: Path) -> dict[str, int]:
    """Message keys used by responses in the domain, with the line where each first appears."""
    lines = domain_file.read_text(encoding="utf-8").splitlines()
    data = yaml.safe_load("\n".join(lines)) or {}
    keys: dict[str, int] = {}
    for variations in (data.get("responses") or {}).values():
        for variation in variations or []:
            candidates = [variation.get("text")] + [b.get("title") for b in variation.get("buttons") or []]
            for key in filter(None, candidates):
                keys.setdefault(key, _line_of(lines, key))
    return keys


def action_keys() -> dict[str, int]:
    """Keys rendered in code: every ``MESSAGE_KEYS`` of the ``actions`` and ``bot.channels`` packages."""
    import importlib
    import pkgutil

    import actions
    import bot.channels
    from actions.fallback import SUGGESTIBLE

    keys = {f"intent_{name}": 0 for name in SUGGESTIBLE}
    for package in (actions, bot.channels):
        for module_info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            keys.update(dict.fromkeys(getattr(module, "MESSAGE_KEYS", ()), 0))
    return keys


def _line_of(lines: list[str], key: str) -> int:
    for number, line in enumerate(lines, start=1):
        if re.search(rf"(text|title):\s*['\"]?{re.escape(key)}['\"]?\s*$", line):
            return number
    return 0


def check_catalogs(root: Path = ROOT, locales: tuple[str, ...] = LOCALES) -> list[Problem]:
    """All translation problems of the project at ``root``."""
    problems: list[Problem] = []
    required = {**action_keys(), **domain_keys(root / "domain.yml")}
    catalogs: dict[str, tuple[str, Catalog]] = {}
    owner: dict[str, str] = {}  # key -> domain that defines it (a key lives in one domain only)
    for locale in locales:
        merged = Catalog(locale=None)
        rel_first = ""
        for domain in catalog_domains(root / "locales"):
            path = po_path(locale, root / "locales", domain)
            rel = str(path.relative_to(root))
            rel_first = rel_first or rel
            if not path.exists():
                problems.append(
                    Problem(rel, 0, "error", f"catalogue '{domain}' for locale '{locale}' is missing")
                )
                continue
            try:
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=None, abort_invalid=True)
            except Exception as error:  # babel raises several types for a broken file
                problems.append(Problem(rel, getattr(error, "lineno", 0), "error", f"cannot parse: {error}"))
                continue
            for message in catalog:
                if not (message.id and isinstance(message.id, str)):
                    continue
                if owner.setdefault(message.id, domain) != domain:
                    problems.append(
                        Problem(
                            rel,
                            message.lineno,
                            "error",
                            f"'{message.id}' is also in domain '{owner[message.id]}'",
                        )
                    )
                    continue
                merged[message.id] = message
        catalogs[locale] = (rel_first, merged)
    all_keys = set(required)
    for _, catalog in catalogs.values():
        all_keys.update(m.id for m in catalog if m.id and isinstance(m.id, str))
    for key in sorted(all_keys):
        placeholders: dict[str, set[str]] = {}
        for locale, (rel, catalog) in catalogs.items():
            message = catalog.get(key)
            if message is None or not message.string:
                # reported on the catalogue of the domain that holds the key elsewhere (default: messages)
                where = po_path(locale, root / "locales", owner.get(key, DOMAIN)).relative_to(root)
                problems.append(Problem(str(where), 0, "error", f"no translation for '{key}' in '{locale}'"))
                continue
            if message.fuzzy:
                problems.append(
                    Problem(
                        rel,
                        message.lineno,
                        "error",
                        f"'{key}' is marked fuzzy: review it, then remove the flag",
                    )
                )
            placeholders[locale] = set(_PLACEHOLDER.findall(message.string))
        if len({frozenset(p) for p in placeholders.values()}) > 1:
            detail = ", ".join(f"{loc}: {sorted(p)}" for loc, p in placeholders.items())
            rel, catalog = next(iter(catalogs.values()))
            problems.append(
                Problem(rel, 0, "error", f"placeholders of '{key}' differ between locales ({detail})")
            )
        if key not in required:
            rel, catalog = next(iter(catalogs.values()))
            line = catalog.get(key).lineno if catalog.get(key) else 0
            problems.append(
                Problem(rel, line, "warning", f"'{key}' is not used by domain.yml or the actions")
            )
    return problems


def main() -> None:
    """Prints every problem once; exit 1 on errors."""
    problems = check_catalogs()
    for problem in problems:
        print(problem)
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    print(f"translations: {errors} error(s), {warnings} warning(s) in {len(LOCALES)} locales")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
