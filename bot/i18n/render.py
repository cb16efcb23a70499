"""Turns a message key into the text a citizen sees: translated, filled, right-to-left safe.

Replies sent through Rasa are rendered by the NLG (``bot/nlg.py``); other code uses :func:`direct_text`.
"""

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


def direct_text(key: str, locale: str, values: Mapping[str, Any] | None = None, *, marks: bool = True) -> str:
    """A text sent outside Rasa's reply flow, which the NLG (``bot/nlg.py``) does not see.

    Channel system messages (an unreadable message, the "share my location" keyboard, Telegram's
    command menu), opening hours inserted in a reply, the console's copy of a bot message: the one
    way such code reads the catalogues. Their keys are declared in ``locales/keys.yml`` like every
    key used outside ``domain.yml``. ``marks=False`` for a label (a button, a day name) that is not
    a message of its own.
    """
    return render_text(key, locale, values) if marks else fill(translate(key, locale), values)
