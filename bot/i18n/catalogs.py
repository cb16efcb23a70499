"""Loads the Babel catalogues in ``locales/`` and translates message keys.

Every text the assistant sends is a key (``utter_greet``, ``btn_menu``…) translated here into
the reply locale. A missing translation falls back along ``FALLBACKS`` and is logged, so a
citizen never sees a raw key while content teams are told what is missing by ``make validate``.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.settings import ROOT

logger = logging.getLogger(__name__)

LOCALES_DIR = ROOT / "locales"
DOMAIN = "messages"
#: Reply locales: Darija in Arabic script, Darija in Latin letters, MSA, French.
LOCALES = ("ary", "ary_Latn", "ar", "fr")
DEFAULT_LOCALE = "ary"
FALLBACKS = {"ary_Latn": ("ary", "fr"), "ary": ("ar", "fr"), "ar": ("ary", "fr"), "fr": ("ar",)}
RTL_LOCALES = frozenset({"ary", "ar"})


def po_path(locale: str, locales_dir: Path = LOCALES_DIR, domain: str = DOMAIN) -> Path:
    """Where the editable catalogue ``domain`` of ``locale`` lives."""
    return locales_dir / locale / "LC_MESSAGES" / f"{domain}.po"


def catalog_domains(locales_dir: Path = LOCALES_DIR) -> list[str]:
    """Every catalogue domain found in any locale.

    Each feature owns one domain (``messages``, ``handoff``, ``eligibility``…) so that teams edit
    separate files; the assistant merges them, and ``make i18n-check`` wants each in every locale.
    """
    return sorted({path.stem for path in locales_dir.glob("*/LC_MESSAGES/*.po")} | {DOMAIN})


def po_paths(locale: str, locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """The existing catalogues of ``locale``, one per domain."""
    return [p for d in catalog_domains(locales_dir) if (p := po_path(locale, locales_dir, d)).exists()]


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compiles every ``.po`` into its ``.mo`` (fuzzy entries excluded); returns the written files."""
    written = []
    for locale in LOCALES:
        for source in po_paths(locale, locales_dir):
            with source.open("rb") as handle:
                catalog = read_po(handle, locale=None)
            target = source.with_suffix(".mo")
            with target.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            written.append(target)
    return written


@cache
def _messages(locale: str, locales_dir: Path = LOCALES_DIR) -> dict[str, str]:
    sources = po_paths(locale, locales_dir)
    if not sources:
        logger.warning("No catalogue for locale %s in %s", locale, locales_dir)
        return {}
    messages: dict[str, str] = {}
    for source in sources:
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=None)
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string and not message.fuzzy:
                messages.setdefault(message.id, message.string)
    return messages


def translate(key: str, locale: str, locales_dir: Path = LOCALES_DIR) -> str:
    """The text of ``key`` in ``locale``, falling back to related locales, else the key itself."""
    for candidate in (locale, *FALLBACKS.get(locale, ("fr",))):
        text = _messages(candidate, locales_dir).get(key)
        if text:
            if candidate != locale:
                logger.warning("Missing translation of %s in %s; used %s", key, locale, candidate)
            return text
    logger.error("No translation at all for message key %s", key)
    return key


def has_key(key: str, locale: str = "fr", locales_dir: Path = LOCALES_DIR) -> bool:
    """True when ``key`` is translated in ``locale`` (used by checks and the NLG)."""
    return key in _messages(locale, locales_dir)


def reload_catalogs() -> None:
    """Drops cached catalogues (after a content edit in a long-running process or a test)."""
    _messages.cache_clear()


def message_keys(locale: str, locales_dir: Path = LOCALES_DIR) -> set[str] | None:
    """All translated keys of a locale."""
    return set(_messages(locale, locales_dir))
