"""The whole handoff, end to end, with every real part: a citizen on a push-capable channel (Rasa's
callback channel, received by a local endpoint), the real Rasa server and action server, the real
console in Debian's headless Chromium, one handoff database.

The citizen asks for a person; the handoff appears live in the console; the caseworker claims it and
replies; the citizen receives the reply on their channel, answers, and the caseworker sees it live;
the caseworker closes, and the bot answers the citizen's next message again.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from bot.handoff.store import HandoffStore
from bot.i18n.render import render_text
from bot.settings import ROOT
from tests.console_support import PASSWORD, add_user, sqlite_url, start_console
from tests.live_assistant import Receiver, live_assistant

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
]  # fmt: skip
ALWAYS_OPEN = ROOT / "tests" / "data" / "office_hours_always_open.yml"
LOCALE = "ary_Latn"  # the citizen writes Darija in Latin letters and is answered the same way


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing at /usr/bin/chromium")
        pytest.skip("Chromium is not installed")
    workdir = tmp_path_factory.mktemp("handoff-e2e")
    receiver = Receiver()
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        (ROOT / "credentials.yml").read_text(encoding="utf-8") + f"\ncallback:\n  url: {receiver.url}\n",
        encoding="utf-8",
    )
    try:
        with live_assistant(workdir, {"OFFICE_HOURS_FILE": str(ALWAYS_OPEN)}, credentials) as assistant:
            console = start_console(sqlite_url(workdir), assistant.url, workdir, assistant.client_env())
            try:
                yield assistant, console, receiver, HandoffStore(sqlite_url(workdir))
            finally:
                console.stop()
    finally:
        receiver.close()


def citizen_says(assistant, sender: str, text: str) -> None:
    """The citizen's app posts to Rasa's callback channel; replies arrive at the receiver."""
    request = urllib.request.Request(
        f"{assistant.url}/webhooks/callback/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.read() == b"success"


def received(receiver: Receiver, sender: str, text: str) -> dict:
    return receiver.wait_for(lambda m: m.get("recipient_id") == sender and m.get("text") == text, timeout=30)


def test_citizen_and_caseworker_talk_through_the_console(stack, screenshots):
    assistant, console, receiver, store = stack
    add_user(store, "nadia", display_name="Nadia")
    sender = f"citizen-{uuid.uuid4().hex[:8]}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="fr-FR")
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{console.url}/login")
        page.fill("input[name=username]", "nadia")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url("**/queue")
        page.wait_for_selector(".live-status:not(:empty)")

        # The citizen asks for a person and agrees to share the whole conversation.
        citizen_says(assistant, sender, "salam, bghit nhder m3a chi wa7ed mn lfari9 3afak")
        received(receiver, sender, render_text("utter_ask_share_scope", LOCALE))
        citizen_says(assistant, sender, '/inform{"share_scope": "full"}')
        handoff = store.open_for(sender)
        assert handoff is not None, receiver.messages
        received(
            receiver, sender, render_text("utter_handoff_queued", LOCALE, {"position": 1, "minutes": 10})
        )

        # It appears live in the console; the caseworker claims it and the citizen is told.
        row = page.wait_for_selector(f'tr[data-handoff="{handoff.id}"]', timeout=20000)
        row.query_selector("button:has-text('Prendre')").click()
        page.wait_for_url(f"**/handoffs/{handoff.id}")
        received(receiver, sender, render_text("utter_handoff_claimed", LOCALE, {"name": "Nadia"}))
        assert "bghit nhder m3a chi wa7ed" in page.inner_text("body")  # the shared history

        # Caseworker → citizen, on the citizen's own channel.
        page.wait_for_selector(".live-status:not(:empty)")
        page.fill("#reply-text", "Salam, ana Nadia. Wach nti f amane daba?")
        page.click("#reply button:has-text('Envoyer')")
        received(receiver, sender, "Salam, ana Nadia. Wach nti f amane daba?")

        # Citizen → caseworker: the bot stays silent, the console shows the line live.
        before = len([m for m in receiver.messages if m.get("recipient_id") == sender])
        citizen_says(assistant, sender, "ah, ana f dar khti daba")
        page.wait_for_selector("li.msg.citizen >> text=ana f dar khti daba", timeout=20000)
        assert len([m for m in receiver.messages if m.get("recipient_id") == sender]) == before
        page.screenshot(path=str(screenshots / "handoff_e2e_conversation_fr.png"), full_page=True)

        # The caseworker closes; the bot says it is back and answers again.
        page.select_option("select[name=outcome]", "referred_service")
        page.click("button:has-text('Clôturer la conversation')")
        page.wait_for_url("**/queue?notice=closed")
        received(receiver, sender, render_text("utter_handoff_closed", LOCALE))
        citizen_says(assistant, sender, "chokran bzaf")
        received(receiver, sender, render_text("utter_thank", LOCALE))
        assert store.get(handoff.id).status == "closed"
        assert errors == []
        browser.close()
