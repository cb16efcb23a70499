"""Numbers, phone lines and web addresses in Arabic and Darija replies read in their own order on screen.

Each right-to-left text is isolated the way the assistant sends it (``bot.i18n.bidi``), then laid
out with the Unicode bidirectional algorithm (python-bidi implements UAX #9, the rules messaging
apps apply), line by line. Every left-to-right run written in the text (a phone number such as
``+212 6 12 34 56 78``, ``24/24``, a law number, ``idmaj.social.gov.ma``) must appear on screen
exactly as written, not reversed or with its plus sign moved to the other end.
"""

from __future__ import annotations

import re

import pytest
import yaml
from babel.messages.pofile import read_po
from bidi import get_display

from bot.i18n.bidi import isolate_ltr_runs, strip_bidi_marks
from bot.settings import ROOT

RTL_LOCALES = ("ar", "ary")
#: Runs that must keep their order: numbers with their separators, international prefixes, addresses.
_LTR_RUN = re.compile(
    r"(?:https?://)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+(?:/[\w\-./]*)?"  # web addresses
    r"|\+?\d+(?:[ ./\-]\d+)*"  # numbers: +212 6 12 34 56 78, 24/24, 103-13, 2.22.1075
)
_PLACEHOLDER = re.compile(r"{[^{}\n]+}")


def _catalogue_texts() -> list[tuple[str, str]]:
    texts = []
    for locale in RTL_LOCALES:
        for po in sorted((ROOT / "locales" / locale / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=None)
            for message in catalog:
                if message.id and isinstance(message.string, str) and message.string:
                    texts.append((f"{po.relative_to(ROOT)}:{message.id}", message.string))
    return texts


def _service_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted((ROOT / "data" / "services").glob("*.yml")):
        sheet = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for locale in RTL_LOCALES:
            for field, value in ((sheet.get("text") or {}).get(locale) or {}).items():
                if isinstance(value, str):
                    texts.append((f"{path.relative_to(ROOT)}:{locale}.{field}", value))
    return texts


def _misplaced_runs(text: str) -> list[str]:
    """The left-to-right runs of ``text`` that do not read as written once laid out right to left."""
    text = _PLACEHOLDER.sub("X", text)
    wrong = []
    for line in isolate_ltr_runs(text).split("\n"):
        shown = strip_bidi_marks(get_display(line))
        for run in (r.rstrip(".,:;") for r in _LTR_RUN.findall(strip_bidi_marks(line))):
            if run not in shown:
                wrong.append(run)
    return wrong


ALL_TEXTS = _catalogue_texts() + _service_texts()


def test_rtl_texts_were_found() -> None:
    assert len(ALL_TEXTS) > 200


@pytest.mark.parametrize(("where", "text"), ALL_TEXTS, ids=[where for where, _ in ALL_TEXTS])
def test_ltr_runs_keep_their_order(where: str, text: str) -> None:
    assert _misplaced_runs(text) == [], f"{where}: shown out of order"


def test_a_reversed_phone_number_is_caught() -> None:
    """The check itself: without isolation the international prefix lands after the number."""
    line = "اكتب الرقم (مثلا +212 6 12 34 56 78)."
    assert "+212 6 12 34 56 78" not in get_display(line)
    assert _misplaced_runs(line) == []


def test_the_number_after_an_arabic_word_is_isolated() -> None:
    shown = strip_bidi_marks(get_display(isolate_ltr_runs("عيط ل 8350 ولا 2511.ma")))
    assert "8350" in shown and "2511.ma" in shown


@pytest.mark.parametrize(("where", "text"), ALL_TEXTS, ids=[where for where, _ in ALL_TEXTS])
def test_no_number_is_written_backwards(where: str, text: str) -> None:
    """A plus sign after the digits ("78 56 34 12 6 212+") is a number typed in display order."""
    assert not re.search(r"\d\+", text), f"{where}: write numbers in reading order, '+' first"
