"""The console's own interface catalogue (French and Arabic) and one Jinja environment per language.

The interface texts are message keys (``queue.title``…) translated in
``bot/console/translations/{fr,ar}/LC_MESSAGES/console.po``; the catalogues are compiled in memory
at start, so there is no build step. Arabic pages are laid out right to left.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).resolve().parent
TRANSLATIONS_DIR = HERE / "translations"
TEMPLATES_DIR = HERE / "templates"
DOMAIN = "console"
LANGUAGES = ("fr", "ar")
RTL = frozenset({"ar"})


def po_path(lang: str, translations_dir: Path = TRANSLATIONS_DIR) -> Path:
    return translations_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(lang: str, translations_dir: Path = TRANSLATIONS_DIR) -> Translations:
    """The compiled catalogue of ``lang`` (fuzzy entries left out)."""
    with po_path(lang, translations_dir).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def labels(lang: str, groups: dict[str, tuple[str, ...]]) -> dict[str, dict[str, str]]:
    """Translated labels by group (``{"topic": {"violence": "Violence", …}}``), for long tables.

    Looking them up once per language instead of once per row keeps the queue page fast.
    """
    translations = load_translations(lang)
    return {
        group: {key: translations.gettext(f"{group}.{key}") for key in keys} for group, keys in groups.items()
    }


def environments(templates_dir: Path = TEMPLATES_DIR) -> dict[str, Environment]:
    """A Jinja environment per interface language, with that language's gettext installed."""
    envs = {}
    for lang in LANGUAGES:
        env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(load_translations(lang), newstyle=True)
        env.globals.update(lang=lang, dir="rtl" if lang in RTL else "ltr")
        envs[lang] = env
    return envs
