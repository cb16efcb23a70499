"""The review page in a real browser (Debian's headless Chromium through Playwright): an editor logs
in, sees the collected messages grouped by meaning with their general origin, cannot accept one before
confirming it holds nothing personal, accepts one into an intent and discards another.
Screenshots go to the `screenshots` folder (reports/tmp/; `make docs-images`: reports/)."""

from __future__ import annotations

import shutil

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.review.collect import collect, default_encoder
from bot.review.store import ReviewStore
from bot.settings import ROOT
from tests.console_support import PASSWORD, RasaStub, add_user, sqlite_url, start_console
from tests.review_support import agreed, bot, save, tracker_store, user
from tests.test_console_browser import browser  # noqa: F401  (the shared Chromium fixture)

MESSAGES = [  # (text, language, script, ranking)
    ("بغيت نعرف واش عندي الحق فالدعم ديال الولاد", "ary", "Arab", [("social_aid", 0.41), ("check_eligibility", 0.3)]),
    ("هل لي الحق في الدعم المخصص للأطفال", "ar", "Arab", [("social_aid", 0.38), ("check_eligibility", 0.35)]),
    ("est-ce que j'ai droit à l'aide pour mes enfants", "fr", "Latn", [("social_aid", 0.44), ("check_eligibility", 0.4)]),
    ("شكون ربح الماتش البارح", "ary", "Arab", [("out_of_scope", 0.42), ("greet", 0.1)]),
]  # fmt: skip


@pytest.fixture(scope="module")
def review_site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("review-browser")
    nlu_dir = workdir / "project" / "data" / "nlu"
    shutil.copytree(ROOT / "data" / "nlu", nlu_dir, ignore=shutil.ignore_patterns("review"))
    url = sqlite_url(workdir)
    review = ReviewStore(url)
    mp = pytest.MonkeyPatch()
    mp.setenv("REVIEW_SALT", "browser-salt")
    with tracker_store("sqlite", workdir) as (tracker, tracker_url):
        for text, lang, script, ranking in MESSAGES:
            save(tracker, [agreed(), user(text, "nlu_fallback", 0.45, [("nlu_fallback", 0.45), *ranking], lang, script),
                           *bot("utter_fallback_human")])  # fmt: skip
        collect(review, tracker_url, encoder=default_encoder())
    stub = RasaStub()
    console = start_console(
        url, stub.url, workdir, {"REVIEW_NLU_DIR": str(nlu_dir), "REVIEW_SALT": "browser-salt"}
    )
    yield console, review, nlu_dir
    console.stop()
    stub.close()
    mp.undo()


def test_editor_reviews_grouped_messages_in_a_real_browser(review_site, browser, screenshots):  # noqa: F811
    console, review, nlu_dir = review_site
    from bot.handoff.store import HandoffStore

    add_user(HandoffStore(console.db_url), "editor-b", role="editor", display_name="Salma")
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{console.url}/login")
    page.fill("input[name=username]", "editor-b")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/review")
    assert "Messages à revoir" in page.inner_text("h1")

    # the three "do I have a right to the aid for my children" paraphrases (Darija, MSA, French) form one group
    groups = page.locator("section.review-group")
    assert groups.count() >= 1
    first = groups.first
    assert first.locator("li.review-item").count() == 3, page.inner_text("main")
    assert first.locator(".suggested-intent").inner_text() == "social_aid"
    page.screenshot(path=str(screenshots / "review_page_fr.png"), full_page=True)

    # accept the French one into social_aid: its variety is preselected
    item = first.locator("li.review-item", has_text="est-ce que j'ai droit")
    assert item.locator("select[name=variety]").input_value() == "fr"
    assert item.locator("select[name=intent]").input_value() == "social_aid"
    assert "Une conversation — Français, ce mois-ci" in item.inner_text(), "origin in general terms only"
    item.locator("button[value=accept]").click()  # not yet confirmed: refused, nothing written
    page.wait_for_load_state()
    assert "Cochez" in page.locator("#review-notice").inner_text()
    assert not (nlu_dir / "review" / "social_aid.yml").exists()
    item = page.locator("section.review-group").first.locator(
        "li.review-item", has_text="est-ce que j'ai droit"
    )
    item.locator("input[name=nothing_personal]").check()
    item.locator("button[value=accept]").click()
    page.wait_for_url("**/review?notice=accepted")
    assert page.locator("#review-notice").is_visible()
    assert "est-ce que j'ai droit" not in page.inner_text("main")
    written = nlu_dir / "review" / "social_aid.yml"
    examples = RasaYAMLReader().read(str(written)).intent_examples
    assert [(m.get("text"), m.get("metadata")["intent"]["variety"]) for m in examples] == [
        ("est-ce que j'ai droit à l'aide pour mes enfants", "fr")
    ]

    # discard the football question
    other = page.locator("li.review-item", has_text="شكون ربح الماتش")
    other.locator("button[value=discard]").click()
    page.wait_for_url("**/review?notice=discarded")
    assert "شكون ربح الماتش" not in page.inner_text("main")
    assert [i.text for i in review.pending() if "الماتش" in i.text] == []

    # the same page in Arabic, right to left
    page.click("button[name=lang][value=ar]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"
    assert "رسائل للمراجعة" in page.inner_text("h1")
    page.screenshot(path=str(screenshots / "review_page_ar.png"), full_page=True)
    assert errors == []
    context.close()
