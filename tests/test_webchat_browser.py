"""The web-chat page in Debian's headless Chromium against the real Rasa server, action server and console.

A citizen opens the page in Arabic (right to left), writes, presses a reply button with the keyboard,
asks for a person and shares the conversation; a caseworker claims it in the console and replies;
the reply appears live in the citizen's page. Quick exit forgets the session and leaves the page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from bot.handoff.store import HandoffStore
from bot.i18n.catalogs import translate
from bot.i18n.render import render_text
from bot.settings import ROOT
from tests.console_support import PASSWORD, add_user, sqlite_url, start_console
from tests.live_assistant import live_assistant

pytestmark = [pytest.mark.server, pytest.mark.model]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
]  # fmt: skip
ALWAYS_OPEN = ROOT / "tests" / "data" / "office_hours_always_open.yml"
EXIT_URL = "https://neutral.example/"
SESSION_KEY = "jisr-webchat-session"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing at /usr/bin/chromium")
        pytest.skip("Chromium is not installed")
    workdir = tmp_path_factory.mktemp("webchat-browser")
    env = {
        "OFFICE_HOURS_FILE": str(ALWAYS_OPEN),
        "WEBCHAT_EXIT_URL": EXIT_URL,
        "WEBCHAT_SECRET_FILE": str(workdir / "webchat.secret"),
    }
    with live_assistant(workdir, env) as assistant:
        console = start_console(sqlite_url(workdir), assistant.url, workdir, assistant.client_env())
        try:
            yield assistant, console, HandoffStore(sqlite_url(workdir))
        finally:
            console.stop()


def last_bot_text(page) -> str:
    return page.locator("#messages li.bot").last.locator("div.text").inner_text().strip()


def wait_for_bot_text(page, text: str, timeout: float = 30000) -> None:
    expect(page.locator("#messages li.bot div.text", has_text=text.strip()[:40]).first).to_be_visible(
        timeout=timeout
    )


def test_citizen_chats_on_the_web_page_and_gets_a_caseworker_reply_live(stack, screenshots):
    assistant, console, store = stack
    add_user(store, "nadia", display_name="Nadia")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        citizen = browser.new_page(viewport={"width": 900, "height": 900})
        errors: list[str] = []
        citizen.on("pageerror", lambda error: errors.append(str(error)))
        citizen.route(
            EXIT_URL + "**", lambda route: route.fulfill(body="neutral page", content_type="text/plain")
        )

        # The page in Arabic: right to left, labelled field, focus in the field.
        citizen.goto(f"{assistant.url}/webhooks/webchat/?lang=ar")
        assert citizen.get_attribute("html", "dir") == "rtl" and citizen.get_attribute("html", "lang") == "ar"
        expect(citizen.get_by_label(translate("webchat_message_label", "ar"))).to_be_focused()
        citizen.wait_for_function(f"sessionStorage.getItem('{SESSION_KEY}') !== null")
        token = citizen.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')")
        conversation = "web-" + token.split(".")[0]

        # Enter sends; the greeting offers the languages as real buttons; the keyboard presses one.
        citizen.keyboard.type("salam")
        citizen.keyboard.press("Enter")
        expect(citizen.locator("#messages li.bot")).to_have_count(1, timeout=30000)
        arabic = citizen.locator("#messages li.bot .choices button", has_text=translate("btn_lang_ar", "ar"))
        arabic.focus()
        citizen.keyboard.press("Enter")
        wait_for_bot_text(citizen, render_text("utter_language_changed", "ar"))
        bubble = citizen.locator("#messages li.bot").last.locator("div.text")
        assert bubble.evaluate("node => node.matches(':dir(rtl)')")
        assert assistant.tracker(conversation)["slots"]["chosen_language"] == "ar"

        # A caseworker is on duty in the console.
        worker = browser.new_page(viewport={"width": 1280, "height": 860}, locale="fr-FR")
        worker.on("pageerror", lambda error: errors.append(str(error)))
        worker.goto(f"{console.url}/login")
        worker.fill("input[name=username]", "nadia")
        worker.fill("input[name=password]", PASSWORD)
        worker.click("form[action='/login'] button[type=submit]")
        worker.wait_for_url("**/queue")
        worker.wait_for_selector(".live-status:not(:empty)")

        # Asking for a person: the share question comes with buttons; the citizen shares everything.
        citizen.fill("#message", "bghit nhder m3a chi wa7ed mn lfari9 3afak")
        citizen.click("#send")
        wait_for_bot_text(citizen, render_text("utter_ask_share_scope", "ar"))
        citizen.locator(
            "#messages li.bot .choices button", has_text=translate("btn_share_full", "ar")
        ).last.click()
        wait_for_bot_text(citizen, render_text("utter_handoff_queued", "ar", {"position": 1, "minutes": 10}))
        handoff = store.open_for(conversation)
        assert handoff is not None

        # The caseworker claims it and replies; the reply arrives live in the page.
        row = worker.wait_for_selector(f'tr[data-handoff="{handoff.id}"]', timeout=20000)
        row.query_selector("button:has-text('Prendre')").click()
        worker.wait_for_url(f"**/handoffs/{handoff.id}")
        wait_for_bot_text(citizen, render_text("utter_handoff_claimed", "ar", {"name": "Nadia"}))
        worker.wait_for_selector(".live-status:not(:empty)")
        worker.fill("#reply-text", "مرحبا، أنا نادية. هل أنت في أمان الآن؟")
        worker.click("#reply button:has-text('Envoyer')")
        wait_for_bot_text(citizen, "مرحبا، أنا نادية. هل أنت في أمان الآن؟")
        citizen.screenshot(path=str(screenshots / "webchat_ar.png"), full_page=True)

        # Quick exit: the session is forgotten and the page leaves for the neutral site.
        citizen.click("#quick-exit")
        citizen.wait_for_url(EXIT_URL)
        citizen.goto(f"{assistant.url}/webhooks/webchat/?lang=fr")
        assert citizen.get_attribute("html", "dir") == "ltr"
        citizen.wait_for_function(f"sessionStorage.getItem('{SESSION_KEY}') !== null")
        assert (
            citizen.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')").split(".")[0] != token.split(".")[0]
        )
        assert citizen.locator("#messages li").count() == 0
        assert errors == []
        browser.close()
