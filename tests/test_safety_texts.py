"""The safety replies are complete in the first message and state nothing the sources do not hold.

- The first emergency, violence and child-protection replies say how to erase the chat, with the one
  erase word of their locale; the first violence reply also gives the immediate-danger lines.
- Each locale tells citizens one erase word everywhere (a second spelling would teach two commands).
- No text calls the 8350 line free: the sources say only that its mobile app is free.
- The callback offer tells the citizen to give only a number where a call back is safe.
"""

from __future__ import annotations

import re

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.settings import ROOT

LOCALES = ("ary", "ary_Latn", "ar", "fr")
ERASE_WORD = {"ary": "مسح", "ary_Latn": "msa7", "ar": "امسح", "fr": "effacer"}
#: Spellings of the erase command a text might teach instead of the locale's one.
ERASE_SPELLINGS = {
    "مسح",
    "امسح",
    "امسحي",
    "مسحي",
    "msa7",
    "msah",
    "mse7",
    "tmsa7",
    "effacer",
    "effacez",
    "supprimer",
}
FIRST_SAFETY_REPLIES = ("utter_emergency", "utter_violence_support", "utter_child_protection")
#: Words that would call something free, per script; an app may be called free, the line may not.
FREE_WORDS = re.compile(r"gratuit|\bfree\b|مجان|فابور|fabor|bla khlas|بلا خلاص|بالمجان", re.IGNORECASE)
APP_WORDS = re.compile(r"application|app\b|تطبيق|tatbi9", re.IGNORECASE)
SAFE_CALLBACK_WORDS = {"ary": "خطر", "ary_Latn": "khatar", "ar": "خطر", "fr": "sans danger"}


def _catalogue(locale: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for po in sorted((ROOT / "locales" / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id and isinstance(message.string, str):
                    texts[str(message.id)] = message.string
    return texts


def _all_texts() -> list[tuple[str, str]]:
    """Every text a citizen or a caseworker may send: catalogues, service sheets, handoff snippets."""
    texts = [(f"{locale}:{key}", text) for locale in LOCALES for key, text in _catalogue(locale).items()]
    for path in sorted((ROOT / "data" / "services").glob("*.yml")):
        sheet = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for locale, fields in (sheet.get("text") or {}).items():
            texts += [(f"{path.name}:{locale}.{f}", v) for f, v in fields.items() if isinstance(v, str)]
    snippets = yaml.safe_load((ROOT / "data" / "handoff" / "snippets.yml").read_text(encoding="utf-8"))
    for snippet in snippets.get("snippets") or []:
        for locale, text in (snippet.get("text") or {}).items():
            texts.append((f"snippets.yml:{snippet.get('id')}:{locale}", text))
    return texts


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", FIRST_SAFETY_REPLIES)
def test_first_safety_reply_says_how_to_erase(locale: str, key: str) -> None:
    assert f"«{ERASE_WORD[locale]}»" in _catalogue(locale)[key].replace("« ", "«").replace(" »", "»")


@pytest.mark.parametrize("locale", LOCALES)
def test_first_violence_reply_gives_the_immediate_danger_lines(locale: str) -> None:
    text = _catalogue(locale)["utter_violence_support"]
    assert all(re.search(rf"(?<!\d){line}(?!\d)", text) for line in ("19", "177", "8350")), text


@pytest.mark.parametrize("locale", LOCALES)
def test_one_erase_word_per_locale(locale: str) -> None:
    taught = set()
    for text in _catalogue(locale).values():
        for quoted in re.findall(r"«\s*([^»]+?)\s*»", text):
            if quoted.lower() in ERASE_SPELLINGS:
                taught.add(quoted.lower())
    assert taught == {ERASE_WORD[locale]}


@pytest.mark.parametrize(("where", "text"), _all_texts(), ids=[w for w, _ in _all_texts()])
def test_the_8350_line_is_never_called_free(where: str, text: str) -> None:
    for clause in re.split(r"[.;\n،,()•:]", text):
        if "8350" in clause or "Kolonamaak" in clause or "كلنا معاك" in clause:
            assert not (FREE_WORDS.search(clause) and not APP_WORDS.search(clause)), f"{where}: {clause}"


@pytest.mark.parametrize("locale", LOCALES)
def test_callback_offer_asks_for_a_safe_number(locale: str) -> None:
    assert SAFE_CALLBACK_WORDS[locale] in _catalogue(locale)["utter_ask_callback"]
