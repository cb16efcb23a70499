"""Turns a message key into the text a citizen sees: translated, filled, right-to-left safe."""

from __future__ import annotations

import re
from typing import Any, Mapping

from bot.i18n.bidi import isolate_ltr_runs
from bot.i18n.catalogs import RTL_LOCALES, translate

_PLACEHOLDER = re.compile(r"{([^{}\n]+)}")


def fill(text: str, values: Mapping[str, Any] | None) -> str:
    """Replaces ``{name}`` by its value; unknown placeholders stay as written."""
    if not values:
        return text
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def render_text(key: str, locale: str, values: Mapping[str, Any] | None = None) -> str:
    """The text of ``key`` in ``locale`` with placeholders filled; RTL locales get bidi isolation."""
    text = fill(translate(key, locale), values)
    return isolate_ltr_runs(text) if locale in RTL_LOCALES else text
