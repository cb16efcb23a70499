"""The console in a real browser (Debian's headless Chromium through Playwright), in French and Arabic:
log in, see a new handoff arrive live, claim it, read the citizen live, answer with a snippet,
see the reply delivered to (a stand-in for) Rasa, close. Screenshots go to reports/."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from bot.handoff.store import HandoffStore
from bot.settings import ROOT
from tests.console_support import PASSWORD, RasaStub, add_handoff, add_user, sqlite_url, start_console

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
]  # fmt: skip
REPORTS = ROOT / "reports"
TEXT = {
    "fr": {"claim": "Prendre", "send": "Envoyer", "close": "Clôturer la conversation", "closed": "Conversation clôturée",
           "delivered": "remis", "snippet": "Prenez votre temps", "queue": "File d'attente"},
    "ar": {"claim": "تولي المحادثة", "send": "إرسال", "close": "إغلاق المحادثة", "closed": "أُغلقت المحادثة",
           "delivered": "وصلت", "snippet": "خذ وقتك", "queue": "قائمة الانتظار"},
}  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing at /usr/bin/chromium")
        pytest.skip("Chromium is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def console_site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console-browser")
    url = sqlite_url(workdir)
    store = HandoffStore(url)
    stub = RasaStub()
    console = start_console(url, stub.url, workdir)
    yield console, store, stub
    console.stop()
    stub.close()


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_login_queue_claim_reply_close_in_a_real_browser(browser, console_site, lang):
    console, store, stub = console_site
    text = TEXT[lang]
    add_user(store, f"cw-{lang}", display_name="Nadia" if lang == "fr" else "سناء")
    add_handoff(store, topic="elderly", priority="normal", language="ar", channel="whatsapp")
    urgent = add_handoff(store, topic="violence", priority="urgent", language="ary", consent_scope="full",
                         history=[("citizen", "3afak bghit n9a9er m3a chi wa7ed", 1.0)])  # fmt: skip
    store.add_citizen_message(urgent.id, "خايفة", alert=True)
    add_handoff(store, topic="disability", kind="callback", language="fr", channel="telegram")

    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{console.url}/login")
    if lang == "ar":
        page.click("button[name=lang][value=ar]")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    page.fill("input[name=username]", f"cw-{lang}")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/queue")
    assert text["queue"] in page.inner_text("h1")

    # a citizen asks for a person while the caseworker looks at the queue: the row appears live
    page.wait_for_selector(".live-status:not(:empty)")
    live = add_handoff(store, topic="child_protection", priority="high", language=lang, channel="telegram",
                       consent_scope="summary", summary={"topic": "child_protection", "city": "Tanger"})  # fmt: skip
    row = page.wait_for_selector(f'tr[data-handoff="{live.id}"]', timeout=15000)
    page.screenshot(path=str(REPORTS / f"console_queue_{lang}.png"), full_page=True)

    row.query_selector(f"button:has-text('{text['claim']}')").click()
    page.wait_for_url(f"**/handoffs/{live.id}")
    stub_calls = lambda: [c for c in stub.calls if f"/conversations/{live.conversation_id}/" in c["path"]]  # noqa: E731

    # the citizen writes: the line appears without reloading, phone number redacted (summary consent)
    page.wait_for_selector(".live-status:not(:empty)")
    store.add_citizen_message(live.id, "wldi mrid, 3ayet lia f 0612345678")
    line = page.wait_for_selector("li.msg.citizen >> text=wldi mrid", timeout=15000)
    assert "0612345678" not in line.inner_text() and "[phone]" in line.inner_text()

    page.click(f"button.snippet:has-text('{text['snippet']}')")
    assert page.input_value("#reply-text")
    page.click(f"#reply button:has-text('{text['send']}')")
    page.wait_for_selector(f"li.msg.caseworker .delivery[data-delivered=yes]:has-text('{text['delivered']}')",
                           timeout=15000)  # fmt: skip
    assert page.input_value("#reply-text") == ""
    names = [c["body"]["name"] for c in stub_calls()]
    assert names == ["EXTERNAL_handoff_claimed", "EXTERNAL_caseworker_message"]
    page.screenshot(path=str(REPORTS / f"console_conversation_{lang}.png"), full_page=True)
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright: one column
    page.screenshot(path=str(REPORTS / f"console_conversation_{lang}_tablet.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})

    page.select_option("select[name=outcome]", "referred_service")
    page.fill("textarea[name=note]", "orientation" if lang == "fr" else "توجيه")
    page.click(f"button:has-text('{text['close']}')")
    page.wait_for_url("**/queue?notice=closed")
    assert text["closed"] in page.inner_text(".notice")
    assert store.get(live.id).status == "closed" and store.get(live.id).outcome == "referred_service"
    deadline = time.monotonic() + 15
    while len(stub_calls()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [c["body"]["name"] for c in stub_calls()][2:] == ["EXTERNAL_handoff_closed"]
    assert errors == []
    context.close()
