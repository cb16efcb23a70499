"""One source of message keys: every key the code writes is declared, and the check imports no code it checks."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.eligibility.model import OUTCOMES
from bot.geo.directory import CENTER_TYPES
from bot.i18n.catalogs import LOCALES, message_keys
from bot.i18n.check import check_catalogs
from bot.i18n.keys import used_keys

ROOT = Path(__file__).resolve().parents[1]
#: The code that sends or renders catalogue keys outside domain.yml.
KEY_USERS = [
    *sorted((ROOT / "actions").glob("*.py")),
    *sorted((ROOT / "bot" / "channels").glob("*.py")),
    ROOT / "bot" / "geo" / "opening_hours.py",
    ROOT / "bot" / "rasa_extensions" / "replies.py",
]


def _catalogue_keys() -> set[str]:
    return set().union(*(message_keys(locale) or set() for locale in LOCALES))


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


@pytest.mark.parametrize("path", KEY_USERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_catalogue_key_written_in_the_code_is_declared(path):
    written = _string_constants(path) & _catalogue_keys()
    assert written - set(used_keys(ROOT)) == set(), f"declare them in locales/keys.yml ({path.name})"


def test_keys_made_from_names_are_declared():
    from actions.fallback import SUGGESTIBLE
    from bot.channels.telegram import COMMANDS

    made = {
        *(f"center_type_{t}" for t in CENTER_TYPES),
        *(f"intent_{name}" for name in SUGGESTIBLE),
        *(f"tg_command_{c}" for c in COMMANDS),
        *(f"elig_outcome_{o}" for o in OUTCOMES),
    }
    assert made - set(used_keys(ROOT)) == set()


def test_the_check_imports_neither_the_actions_nor_the_channels():
    code = (
        "import sys, bot.i18n.check, bot.i18n.extract; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'actions' or m.startswith('bot.channels')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_key_an_action_sends_missing_from_one_locale_is_reported(tmp_path):
    """``utter_handoff_busy`` is sent by actions/handoff.py only (not a domain response)."""
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    shutil.copytree(ROOT / "locales", tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    po = tmp_path / "locales" / "ar" / "LC_MESSAGES" / "handoff.po"
    text = po.read_text(encoding="utf-8")
    start = text.index('msgid "utter_handoff_busy"')
    end = text.find("\nmsgid ", start + 1)
    po.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    errors = [str(p) for p in check_catalogs(tmp_path) if p.level == "error"]
    assert errors == [
        "locales/ar/LC_MESSAGES/handoff.po:0: error: no translation for 'utter_handoff_busy' in 'ar'"
    ]


def test_a_declared_key_no_catalogue_has_is_reported_in_every_locale(tmp_path):
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    shutil.copytree(ROOT / "locales", tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    keys = tmp_path / "locales" / "keys.yml"
    keys.write_text(
        keys.read_text(encoding="utf-8").replace("    - unit_km\n", "    - unit_km\n    - center_new\n")
    )
    errors = [p.text for p in check_catalogs(tmp_path) if p.level == "error"]
    assert errors == [f"no translation for 'center_new' in '{locale}'" for locale in LOCALES]
