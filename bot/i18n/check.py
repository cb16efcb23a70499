"""Content check: every message key is translated, with the same placeholders, in every locale.

Keys come from one source, ``bot/i18n/keys.py`` (``domain.yml``, ``locales/keys.yml`` and the content
files it names), and from any catalogue; the code that uses them is not imported. Problems are printed as ``file:line: message`` and the
command exits 1 when there is any error (warnings alone exit 0).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n.catalogs import DOMAIN, LOCALES, catalog_domains, po_path
from bot.i18n.keys import used_keys
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


def check_catalogs(root: Path = ROOT, locales: tuple[str, ...] = LOCALES) -> list[Problem]:
    """All translation problems of the project at ``root``."""
    problems: list[Problem] = []
    required = used_keys(root)
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
                Problem(rel, line, "warning", f"'{key}' is used by neither domain.yml nor locales/keys.yml")
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
