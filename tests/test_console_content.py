"""The console's catalogues are complete in French and Arabic; snippets and outcomes files are checked;
the delivery worker keeps each conversation's order and backs off (against a loopback stand-in for Rasa)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.console import catalog_check
from bot.console.content import load_outcomes, load_snippets
from bot.console.i18n import environments
from bot.content_errors import ContentError
from bot.handoff.delivery import DeliveryWorker, RasaClient, backoff_seconds
from bot.handoff.store import HandoffStore
from bot.settings import ROOT
from tests import console_support
from tests.console_support import RasaStub, add_handoff, add_user

db_url = console_support.db_url


def test_both_console_catalogues_translate_every_key():
    assert catalog_check.problems() == []


def test_catalogue_check_finds_a_missing_translation(tmp_path, monkeypatch):
    for lang in ("fr", "ar"):
        source = catalog_check.po_path(lang)
        target = tmp_path / lang / "LC_MESSAGES" / "console.po"
        target.parent.mkdir(parents=True)
        text = source.read_text(encoding="utf-8")
        if lang == "ar":
            text = text.replace('msgstr "قائمة الانتظار"', 'msgstr ""', 1)
        target.write_text(text, encoding="utf-8")
    monkeypatch.setattr(catalog_check, "po_path", lambda lang: tmp_path / lang / "LC_MESSAGES" / "console.po")
    found = catalog_check.problems()
    assert any("untranslated" in line for line in found)


def test_arabic_pages_are_right_to_left():
    envs = environments()
    assert envs["ar"].globals["dir"] == "rtl" and envs["fr"].globals["dir"] == "ltr"
    css = (ROOT / "bot/console/static/console.css").read_text()
    assert "margin-left" not in css and "margin-right" not in css and "text-align: left" not in css


def test_shipped_snippets_cover_three_languages_and_outcomes_two():
    snippets = load_snippets(ROOT / "data/handoff/snippets.yml")
    assert len(snippets) >= 5
    assert all({"ary", "ar", "fr"} <= set(s.text) and {"fr", "ar"} <= set(s.label) for s in snippets)
    codes = [o.code for o in load_outcomes(ROOT / "data/handoff/outcomes.yml")]
    assert len(codes) == len(set(codes)) >= 5


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("snippets: [", "cannot read"),
        ("snippets: []", "non-empty list"),
        ("snippets:\n  - id: Bad Id\n", "lowercase"),
        (
            "snippets:\n  - id: hi\n    label: {fr: a, ar: b}\n    text: {fr: x, ar: y}\n",
            "missing text for 'ary'",
        ),
        (
            "snippets:\n  - id: hi\n    label: {fr: a, ar: b}\n    text: {fr: x, ar: y, ary: z, en: w}\n",
            "unknown",
        ),
    ],
)
def test_a_broken_snippets_file_is_refused_with_the_reason(tmp_path: Path, content, expected):
    path = tmp_path / "snippets.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_snippets(path)
    assert expected in str(error.value)


def test_duplicate_outcome_codes_are_refused(tmp_path: Path):
    path = tmp_path / "outcomes.yml"
    path.write_text(
        "outcomes:\n  - {code: done, label: {fr: a, ar: b}}\n  - {code: done, label: {fr: a, ar: b}}\n"
    )
    with pytest.raises(ContentError, match="duplicate"):
        load_outcomes(path)


def test_backoff_grows_and_is_capped():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_seconds(50) == 60


def test_worker_keeps_order_per_conversation_and_retries_after_a_failure(db_url):
    store = HandoffStore(db_url)
    user = add_user(store, "worker-test")
    first, second = add_handoff(store), add_handoff(store)
    for handoff in (first, second):
        store.claim(handoff.id, user.id)
        store.add_caseworker_message(handoff.id, user.id, f"un {handoff.id}")
        store.add_caseworker_message(handoff.id, user.id, f"deux {handoff.id}")
    stub = RasaStub()

    async def scenario() -> tuple[int, int, int]:
        worker = DeliveryWorker(store, RasaClient(stub.url, secret="s" * 32))
        stub.status = 500
        failed = await worker.deliver_pending()
        again = await worker.deliver_pending()  # backing off: nothing is even tried
        stub.status = 200
        for message, _handoff in store.undelivered():
            store.mark_delivered(message.id, False, retry_at=0.0)  # the backoff has passed
        delivered = await worker.deliver_pending()
        await worker.client.aclose()
        return failed, again, delivered

    try:
        failed, again, delivered = asyncio.run(scenario())
    finally:
        stub.close()
    assert (failed, again, delivered) == (0, 0, 6)
    for handoff in (first, second):
        path = f"/conversations/{handoff.conversation_id}/"
        bodies = [c["body"] for c in stub.calls if path in c["path"]]
        assert [b["name"] for b in bodies] == ["EXTERNAL_handoff_claimed"] + [
            "EXTERNAL_caseworker_message"
        ] * 2
        assert [b["entities"].get("caseworker_text") for b in bodies[1:]] == [
            f"un {handoff.id}",
            f"deux {handoff.id}",
        ]
    assert store.undelivered() == []
