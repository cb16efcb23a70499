"""Checks that the console's French and Arabic catalogues translate every interface key, and no more.

Keys are found in the templates (Babel's Jinja extractor) and in the Python lists of keys that
templates translate by name (``MESSAGE_KEYS``). ``python -m bot.console.catalog_check`` prints
each problem and exits non-zero.
"""

from __future__ import annotations

import re
import sys

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.console import casework, rendering
from bot.console.i18n import LANGUAGES, TEMPLATES_DIR, po_path
from bot.console.routes import auth, queue, review
from bot.handoff.models import ROLES

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
#: Keys built in templates from a value (``"role." ~ user.role`` …).
DYNAMIC_KEYS = (
    *rendering.MESSAGE_KEYS,
    *auth.MESSAGE_KEYS,
    *casework.MESSAGE_KEYS,
    *queue.MESSAGE_KEYS,
    *review.MESSAGE_KEYS,
    *(f"role.{role}" for role in ROLES),
    *(f"lang.switch_{code}" for code in LANGUAGES),
    "kind.live", "kind.callback", "status.queued", "status.claimed", "status.closed",
)  # fmt: skip


def used_keys() -> set[str]:
    """Every message key the console can ask for."""
    keys = set(DYNAMIC_KEYS)
    method_map = [("**.html", "jinja2.ext:babel_extract")]
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(TEMPLATES_DIR), method_map, options_map={"**.html": {"extensions": "jinja2.ext.i18n"}}
    ):
        if isinstance(message, str):
            keys.add(message)
    return keys


def problems() -> list[str]:
    found: list[str] = []
    keys = used_keys()
    placeholders: dict[str, dict[str, set[str]]] = {}
    for lang in LANGUAGES:
        path = po_path(lang)
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        translated = {}
        for message in catalog:
            if not message.id:
                continue
            if message.fuzzy or not message.string:
                found.append(f"{path}: '{message.id}' is untranslated or fuzzy")
                continue
            translated[message.id] = message.string
            if "%" in _PLACEHOLDER.sub("", message.string):
                found.append(f"{path}: '{message.id}' has a bare '%' (write '%%')")
            placeholders.setdefault(message.id, {})[lang] = set(_PLACEHOLDER.findall(message.string))
        found += [f"{path}: missing '{key}'" for key in sorted(keys - set(translated))]
        found += [f"{path}: '{key}' is not used by the console" for key in sorted(set(translated) - keys)]
    for key, by_lang in sorted(placeholders.items()):
        if len({frozenset(v) for v in by_lang.values()}) > 1:
            found.append(f"console catalogues: '{key}' has different placeholders per language {by_lang}")
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    print(f"console catalogues: {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
