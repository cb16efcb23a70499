"""Darija in Latin letters has one spelling per frequent word (data/style/arabizi.yml).

A citizen who reads "msa7" in one reply and "msah" in the next, or "3ayet l 19" and "3iyet l 19",
wonders whether they are different things; the style file names the preferred spelling of each
word and the ones to avoid, and this test reads every ary_Latn text the assistant can send.
"""

from __future__ import annotations

import re

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.settings import ROOT

STYLE = yaml.safe_load((ROOT / "data" / "style" / "arabizi.yml").read_text(encoding="utf-8"))


def _texts() -> list[tuple[str, str]]:
    texts = []
    for po in sorted((ROOT / "locales" / "ary_Latn" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            texts += [(f"{po.name}:{m.id}", m.string) for m in read_po(handle) if m.id and m.string]
    for path in sorted((ROOT / "data" / "services").glob("*.yml")):
        fields = ((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("text") or {}).get(
            "ary_Latn"
        ) or {}
        texts += [
            (f"{path.name}:{field}", value) for field, value in fields.items() if isinstance(value, str)
        ]
    return texts


VARIANTS = [
    (preferred, variant, re.compile(r"(?<![\w'])" + re.escape(variant) + r"(?![\w'])", re.IGNORECASE))
    for preferred, spec in STYLE["words"].items()
    for variant in spec["instead_of"]
]
TEXTS = _texts()


def test_the_style_file_lists_preferred_words_and_variants() -> None:
    assert VARIANTS and all(preferred not in spec["instead_of"] for preferred, spec in STYLE["words"].items())


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[where for where, _ in TEXTS])
def test_one_spelling_per_word(where: str, text: str) -> None:
    found = [
        f"{m.group(0)!r} (write {preferred!r})" for preferred, _, p in VARIANTS for m in p.finditer(text)
    ]
    assert found == [], f"{where}: " + ", ".join(found)


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[where for where, _ in TEXTS])
def test_no_q_for_qaf(where: str, text: str) -> None:
    """9 writes ق in Arabizi; a q is left only inside French words and names (RSU, AMO, Tadamon…)."""
    arabizi_q = [w for w in re.findall(r"\b\w*q\w*\b", text) if re.search(r"[2379]", w)]
    assert arabizi_q == [], where
