"""Attacks on the purpose of consent: a citizen's words reaching content editors without her agreement.

Real tracker store (the project's class on SQLite), a real collection run, the real console over
HTTP on loopback, logged in as a content editor.
"""

from __future__ import annotations

import shutil
import uuid

import pytest

from bot.review.collect import collect, default_encoder
from bot.review.store import ReviewStore
from bot.settings import ROOT
from tests.console_support import RasaStub, add_user, sqlite_url, start_console
from tests.review_support import action, bot, save, slot, tracker_store, user

SALT = {"REVIEW_SALT": "security-consent-salt"}
SHARED_WITH_CASEWORKER = "ما عندي فين نمشي أنا والدراري، خايفة يرجع"
CALM_SHARED = "kifach nakhod lwra9a dyal tadamon xqzw"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("consent-purpose")
    nlu_dir = workdir / "project" / "data" / "nlu"
    shutil.copytree(ROOT / "data" / "nlu", nlu_dir, ignore=shutil.ignore_patterns("review"))
    url = sqlite_url(workdir)
    mp = pytest.MonkeyPatch()
    for name, value in SALT.items():
        mp.setenv(name, value)
    stub = RasaStub()
    console = start_console(url, stub.url, workdir, {"REVIEW_NLU_DIR": str(nlu_dir), **SALT})
    try:
        with tracker_store("sqlite", workdir) as (tracker, tracker_url):
            yield console, ReviewStore(url), tracker, tracker_url, nlu_dir
    finally:
        console.stop()
        stub.close()
        mp.undo()


def _editor(console):
    from bot.handoff.store import HandoffStore

    name = f"editor-{uuid.uuid4().hex[:8]}"
    add_user(HandoffStore(console.db_url), name, "editor")
    client = console.client()
    assert client.login(name).status_code == 303
    return client


def test_sharing_with_a_caseworker_does_not_show_her_words_to_content_editors(site):
    """Attack: purpose creep. A citizen writes about violence in Darija, asks for a person and
    chooses "share the whole conversation" with the caseworker; `make review-collect` must not
    put her words in front of content editors, who never were the purpose of that choice."""
    console, review, tracker, tracker_url, _nlu = site
    save(tracker, [
        user("راجلي كيضربني", "violence_support", 0.93, language="ary", script="Arab"), *bot("utter_violence_support"),
        user(SHARED_WITH_CASEWORKER, "nlu_fallback", 0.35, language="ary", script="Arab"), *bot("utter_fallback_human"),
        user("بغيت نهضر مع شي واحد", "talk_to_human", 0.97, language="ary", script="Arab"),
        user('/inform{"share_scope": "full"}', "inform"), slot("share_scope", "full"), action("action_handoff"),
    ])  # fmt: skip
    save(tracker, [
        user(CALM_SHARED, "nlu_fallback", 0.3, language="ary", script="Latn"), *bot("utter_fallback_human"),
        user("bghit nhder m3a chi wa7ed", "talk_to_human"), slot("share_scope", "full"), action("action_handoff"),
    ])  # fmt: skip
    collect(review, tracker_url, encoder=default_encoder())
    page = _editor(console).get("/review")
    assert page.status_code == 200
    assert SHARED_WITH_CASEWORKER not in page.text and CALM_SHARED not in page.text
    assert all(SHARED_WITH_CASEWORKER not in item.text for item in review.pending())


def test_an_example_is_not_written_to_training_data_without_the_editors_confirmation(site):
    """Attack: an editor (or a forged form) accepts a message into the training data without
    confirming that it holds nothing personal; the server must refuse, not only the page."""
    console, review, tracker, tracker_url, nlu_dir = site
    text = "wach kayn chi 7aja l lmra lli 3ndha weld mri9 bzaf"
    save(tracker, [slot("improve_consent", True), user(text, "nlu_fallback", 0.4, [("nlu_fallback", 0.4),
                   ("disability_card", 0.3)], language="ary", script="Latn"), *bot("utter_fallback_human")])  # fmt: skip
    collect(review, tracker_url, encoder=default_encoder())
    (item,) = [i for i in review.pending() if i.text == text]
    client = _editor(console)
    client.get("/review")
    for decision in ("accept", "out_of_scope"):
        answer = client.post("/review/decide", {"decision": decision, "item": str(item.id),
                                                "intent": "disability_card", "variety": "ary_latn"})  # fmt: skip
        assert answer.status_code == 400, decision
    (still,) = review.get_many([item.id])
    assert still.status == "pending"
    written = [p.read_text(encoding="utf-8") for p in (nlu_dir / "review").glob("*.yml")] if (
        nlu_dir / "review").exists() else []  # fmt: skip
    assert all(text not in content for content in written)
