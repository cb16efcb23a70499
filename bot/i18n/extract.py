"""Babel extractors: the message keys of ``domain.yml`` and of the Python modules' ``MESSAGE_KEYS``.

Registered in ``babel.cfg`` and run by ``pybabel extract`` (``make i18n-extract``), so that
``pybabel update`` (``make i18n-update``) adds every new key as an empty entry for translators.

Catalogues are split by domain (``messages``, ``handoff``, ``channels``…; a key lives in exactly
one). The domain being extracted comes from the mapping option ``domain`` or the environment
variable ``JISR_I18N_DOMAIN`` (set by the make target for each domain); without it every key is
extracted. A key belongs to the domain whose catalogue already holds it; a new key to the
``MESSAGE_DOMAIN`` of its module, else to ``messages``. Notes for translators already written in
the catalogues are carried into the template so that an update keeps them.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path
from typing import IO, Any, Iterator

import yaml
from babel.messages.pofile import read_po

from bot.i18n.catalogs import DOMAIN, LOCALES, LOCALES_DIR, catalog_domains, po_path
from bot.settings import ROOT, get_settings

#: Locale whose translator notes go into the template first (the notes are written in English/French).
NOTE_LOCALES = ("fr", *LOCALES)

Extracted = tuple[int, str | None, str, list[str]]


@cache
def catalogue_index(locales_dir: Path = LOCALES_DIR) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Key → domain of the catalogue that holds it, and key → its notes for translators."""
    owner: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    for locale in NOTE_LOCALES:
        for domain in catalog_domains(locales_dir):
            path = po_path(locale, locales_dir, domain)
            if not path.exists():
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=None)
            for message in catalog:
                if message.id and isinstance(message.id, str):
                    owner.setdefault(message.id, domain)
                    if message.auto_comments and message.id not in notes:
                        notes[message.id] = list(message.auto_comments)
    return owner, notes


def _wanted(options: dict[str, Any]) -> str | None:
    return options.get("domain") or get_settings().i18n_domain


def _keep(key: str, default_domain: str, options: dict[str, Any]) -> bool:
    wanted = _wanted(options)
    if wanted is None:
        return True
    owner, _ = catalogue_index(Path(options.get("locales_dir") or LOCALES_DIR))
    return owner.get(key, default_domain) == wanted


def _emit(key: str, line: int, default_domain: str, options: dict[str, Any]) -> Iterator[Extracted]:
    if _keep(key, default_domain, options):
        _, notes = catalogue_index(Path(options.get("locales_dir") or LOCALES_DIR))
        yield line, None, key, notes.get(key, [])


def extract_domain_yml(
    fileobj: IO[bytes], keywords, comment_tags, options: dict[str, Any]
) -> Iterator[Extracted]:
    """Keys of the responses of a Rasa domain file: each text and each button title."""
    lines = fileobj.read().decode("utf-8").splitlines()
    data = yaml.safe_load("\n".join(lines)) or {}
    seen: set[str] = set()
    for variations in (data.get("responses") or {}).values():
        for variation in variations or []:
            candidates = [variation.get("text")] + [b.get("title") for b in variation.get("buttons") or []]
            for key in filter(None, candidates):
                if key not in seen:
                    seen.add(key)
                    yield from _emit(key, _line_of(lines, rf"(text|title):\s*['\"]?{re.escape(key)}['\"]?\s*$"),
                                     DOMAIN, options)  # fmt: skip


def extract_message_keys(
    fileobj: IO[bytes], keywords, comment_tags, options: dict[str, Any]
) -> Iterator[Extracted]:
    """Keys a Python module renders itself: its ``MESSAGE_KEYS`` (and the fallback's topic titles).

    The module is imported, because ``MESSAGE_KEYS`` may be computed (``*(f"center_type_{t}" …)``);
    only modules whose source assigns ``MESSAGE_KEYS`` at top level are imported.
    """
    source = fileobj.read().decode("utf-8")
    tree = ast.parse(source)
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    if "MESSAGE_KEYS" not in assigned:
        return
    module = importlib.import_module(_module_name(Path(getattr(fileobj, "name", ""))))
    keys = list(getattr(module, "MESSAGE_KEYS", ()))
    if "SUGGESTIBLE" in assigned:  # the fallback shows topic buttons titled intent_<name>
        keys += [f"intent_{name}" for name in getattr(module, "SUGGESTIBLE", ())]
    default_domain = getattr(module, "MESSAGE_DOMAIN", DOMAIN)
    lines = source.splitlines()
    fallback_line = _line_of(lines, r"^MESSAGE_KEYS\b")
    for key in dict.fromkeys(keys):
        line = _line_of(lines, rf"['\"]{re.escape(key)}['\"]") or fallback_line
        yield from _emit(key, line, default_domain, options)


def _module_name(path: Path) -> str:
    """``/…/actions/centers.py`` → ``actions.centers`` (relative to the project root)."""
    relative = path.resolve().relative_to(ROOT).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def _line_of(lines: list[str], pattern: str) -> int:
    regex = re.compile(pattern)
    return next((n for n, line in enumerate(lines, start=1) if regex.search(line)), 0)
