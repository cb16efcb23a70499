"""The contract covers the code: every variable the assistant's code reads is listed in it.

Scans ``bot/`` and ``actions/`` for the fields of :class:`bot.settings.Settings` they use (in
modules that import ``bot.settings``), for literal reads of the environment left outside it
(``os.environ.get("X")``, ``os.environ["X"]``, ``env.get("X")``) and the variable names the
channels read from credentials.yml; every ``${X}`` of endpoints.prod.yml must be required by
Rasa. A name listed neither under ``variables`` nor ``local_only`` of deploy/environment.yml is a
problem: a deployment would not know it exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.ops.environment import Contract
from bot.settings import Settings

READ = re.compile(
    r"""(?:environ(?:\.get)?\s*[\[(]|getenv\(|_flag\(|\benv\.get\(|\benv\[)\s*['"]([A-Z][A-Z0-9_]+)['"]"""
)
SETTINGS_IMPORT = re.compile(r"^\s*from bot\.settings import .*\bget_settings\b", re.MULTILINE)
#: Settings field → its environment variable.
FIELDS = {variable.attribute: name for name, variable in Settings.variables().items()}
FIELD_READ = re.compile(r"\.(" + "|".join(sorted(FIELDS)) + r")\b")
VARIABLE_NAME = re.compile(r"^[A-Z][A-Z0-9_]+$")
PACKAGES = ("bot", "actions")


def names_read(root: Path) -> dict[str, set[str]]:
    """Variable name → files that read it."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            names = set(READ.findall(source))
            if SETTINGS_IMPORT.search(source):
                names |= {FIELDS[field] for field in FIELD_READ.findall(source)}
            for name in names:
                found.setdefault(name, set()).add(str(path.relative_to(root)))
    credentials = yaml.safe_load((root / "credentials.yml").read_text(encoding="utf-8")) or {}
    for channel, settings in credentials.items():
        for value in (settings or {}).values() if isinstance(settings, dict) else ():
            if isinstance(value, str) and VARIABLE_NAME.match(value):
                found.setdefault(value, set()).add(f"credentials.yml ({channel})")
    return found


def check(root: Path, contract: Contract) -> list[str]:
    known = set(contract.variables) | set(contract.local_only)
    problems = [
        f"{', '.join(sorted(files))} read(s) {name}, which deploy/environment.yml does not list "
        "(under variables, or local_only when no deployment sets it)"
        for name, files in sorted(names_read(root).items())
        if name not in known
    ]
    # Rasa refuses to start when a ${…} of its endpoints file is unset: each is required by rasa.
    expanded = re.findall(
        r"\$\{([A-Z][A-Z0-9_]*)\}", (root / "endpoints.prod.yml").read_text(encoding="utf-8")
    )
    problems += [
        f"endpoints.prod.yml expands ${{{name}}} but deploy/environment.yml does not list it as required by rasa"
        for name in sorted(set(expanded))
        if name not in contract.required_by("rasa")
    ]
    return problems
