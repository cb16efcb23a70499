"""Babel extractors: the message keys of ``domain.yml`` and of ``locales/keys.yml`` (``bot/i18n/keys.py``).

Registered in ``babel.cfg`` and run by ``pybabel extract`` (``make i18n-extract``), so that
``pybabel update`` (``make i18n-update``) adds every new key as an empty entry for translators.

Catalogues are split by domain (``messages``, ``handoff``, ``channels``…; a key lives in exactly
one). The domain being extracted comes from the mapping option ``domain`` or the environment
variable ``JISR_I18N_DOMAIN`` (set by the make target for each domain); without it every key is
extracted. A key belongs to the domain whose catalogue already holds it; a new key to ``messages``
(move its entry to another domain's catalogues by hand if it belongs there). Notes for translators already written in
the catalogues are carried into the template so that an update keeps them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import IO, Any, Iterator

import yaml
from babel.messages.pofile import read_po

from bot.i18n.catalogs import DOMAIN, LOCALES, LOCALES_DIR, catalog_domains, po_path
from bot.i18n.keys import KEYS_FILE, content_keys, declared_keys_of_text
from bot.settings import get_settings

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


def extract_declared_keys(
    fileobj: IO[bytes], keywords, comment_tags, options: dict[str, Any]
) -> Iterator[Extracted]:
    """Keys of ``locales/keys.yml`` (used by the actions and channels), then those of the content it names.

    The same source as ``make i18n-check`` (``bot/i18n/keys.py``); no code is imported.
    """
    lines = fileobj.read().decode("utf-8").splitlines()
    keys_file = Path(getattr(fileobj, "name", "") or KEYS_FILE)
    seen: set[str] = set()
    for key, line in declared_keys_of_text(lines).items():
        seen.add(key)
        yield from _emit(key, line, DOMAIN, options)
    root = Path(options.get("root") or keys_file.resolve().parents[1])
    for key in content_keys(root, keys_file):
        if key not in seen:
            seen.add(key)
            yield from _emit(key, 0, DOMAIN, options)


def _line_of(lines: list[str], pattern: str) -> int:
    regex = re.compile(pattern)
    return next((n for n, line in enumerate(lines, start=1) if regex.search(line)), 0)
