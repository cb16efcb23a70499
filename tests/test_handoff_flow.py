"""Handoff end to end on a real Rasa server + action server: queue, relay, caseworker replies, close, callback.

The console's side is played here through the same HTTP API it uses (Rasa's ``trigger_intent``)
and the same handoff database, so this test covers the bot's half of every exchange.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
import uuid

import pytest

from bot.handoff.callback_crypto import decrypt_phone
from bot.handoff.models import PRIORITIES
from bot.handoff.store import HandoffStore
from bot.i18n.render import render_text
from bot.settings import ROOT
from tests.live_assistant import Receiver, live_assistant

ALWAYS_OPEN = ROOT / "tests" / "data" / "office_hours_always_open.yml"
NEVER_OPEN = ROOT / "tests" / "data" / "office_hours_never_open.yml"


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory, receiver):
    workdir = tmp_path_factory.mktemp("handoff")
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        (ROOT / "credentials.yml").read_text(encoding="utf-8") + f"\ncallback:\n  url: {receiver.url}\n",
        encoding="utf-8",
    )
    env = {"OFFICE_HOURS_FILE": str(ALWAYS_OPEN), "CALLBACK_KEY": _key()}
    with live_assistant(workdir, env, credentials) as assistant:
        assistant.handoffs = HandoffStore(f"sqlite:///{workdir / 'handoff.db'}")
        assistant.callback_key = env["CALLBACK_KEY"]
        yield assistant


def _key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _sender() -> str:
    return f"handoff-{uuid.uuid4().hex[:10]}"


def _texts(messages: list[dict]) -> list[str]:
    return [m.get("text") for m in messages if m.get("text")]


def _api(assistant, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{assistant.url}{path}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **assistant.api_headers()},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return json.loads(body) if body.startswith((b"{", b"[")) else {"body": body.decode()}


def _trigger(
    assistant, sender: str, intent: str, entities: dict | None = None, channel: str = "latest"
) -> dict:
    path = f"/conversations/{sender}/trigger_intent?output_channel={channel}"
    return _api(assistant, path, {"name": intent, "entities": entities or {}})


def _caseworker_online(store: HandoffStore, name: str) -> int:
    staff = store.staff_by_username(name) or store.add_staff(name, name.title(), "not-a-login", "caseworker")
    store.touch_staff(staff.id)
    return staff.id


def test_nobody_online_offers_a_callback_and_stores_the_number_encrypted_only(live):
    sender = _sender()
    live.say(sender, "Je voudrais parler à une personne, pas à un robot")
    replies = _texts(live.say(sender, '/inform{"share_scope": "summary"}'))
    assert replies == [
        render_text("utter_handoff_busy", "fr"),
        render_text("utter_handoff_lines_general", "fr"),
        render_text("utter_ask_callback", "fr"),
    ]
    assert _texts(live.say(sender, "/affirm")) == [render_text("utter_ask_callback_phone", "fr")]
    assert _texts(live.say(sender, "abc")) == [
        render_text("utter_callback_phone_invalid", "fr"),
        render_text("utter_ask_callback_phone", "fr"),
    ]
    saved = _texts(live.say(sender, "06 61 23 45 78"))
    assert saved[0].startswith(render_text("utter_callback_saved", "fr", {"when": "X"}).split("(")[0])
    callbacks = [h for h in live.handoffs.queue() if h.conversation_id == sender]
    assert [(h.kind, h.status) for h in callbacks] == [("callback", "queued")]
    assert b"0661" not in callbacks[0].callback_phone
    with sqlite3.connect(live.tracker_db) as db:
        stored = " ".join(
            row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))
        )
    assert "61 23 45 78" not in stored and "+212661234578" not in stored
    assert "[phone]" in stored


def test_the_callback_number_decrypts_with_the_configured_key(live, monkeypatch):
    sender = _sender()
    live.say(sender, "bghit nhder m3a chi wa7ed mn l fari9")
    live.say(sender, '/inform{"share_scope": "summary"}')
    live.say(sender, "/affirm")
    live.say(sender, "+212 7 12 34 56 78")
    (callback,) = [h for h in live.handoffs.queue() if h.conversation_id == sender]
    monkeypatch.setenv("CALLBACK_KEY", live.callback_key)
    assert decrypt_phone(callback.callback_phone) == "+212712345678"


def test_declining_the_callback_stores_nothing(live):
    sender = _sender()
    live.say(sender, "بغيت نهضر مع شي مساعدة اجتماعية")
    live.say(sender, '/inform{"share_scope": "summary"}')
    assert _texts(live.say(sender, "/deny")) == [render_text("utter_callback_declined", "ary")]
    assert [h for h in live.handoffs.queue() if h.conversation_id == sender] == []


def test_live_handoff_queues_relays_and_resumes(live):
    worker = _caseworker_online(live.handoffs, "amina")
    sender = _sender()
    live.say(sender, "Mon mari me frappe, je ne sais plus quoi faire")
    live.say(sender, "Je veux parler à une assistante sociale")
    queued = _texts(live.say(sender, '/inform{"share_scope": "full"}'))
    assert queued[0] == render_text("utter_handoff_queued", "fr", {"position": 1, "minutes": 10})
    assert queued[1] == render_text("utter_handoff_danger_reminder", "fr")
    handoff = live.handoffs.open_for(sender)
    assert (handoff.topic, handoff.priority, handoff.consent_scope) == (
        "violence_support",
        PRIORITIES["urgent"],
        "full",
    )
    assert handoff.summary["language"] == "fr" and handoff.channel == "rest"
    history = [m.text for m in live.handoffs.messages(handoff.id) if m.history]
    assert history[0] == "Mon mari me frappe, je ne sais plus quoi faire"

    # The bot is silent while the caseworker has the conversation; the message reaches the console.
    assert live.say(sender, "Vous êtes là ? Je peux parler maintenant") == []
    live_lines = [m for m in live.handoffs.messages(handoff.id) if not m.history]
    assert [(m.author, m.text) for m in live_lines] == [
        ("citizen", "Vous êtes là ? Je peux parler maintenant")
    ]
    assert live.say(sender, "où est le centre le plus proche à Tanger ?") == []

    # The console claims and replies through Rasa's API; REST collects what the bot would push.
    assert live.handoffs.claim(handoff.id, worker)
    joined = _trigger(
        live, sender, "EXTERNAL_handoff_claimed", {"caseworker_name": "Amina"}, channel="collector"
    )
    assert _texts(joined["messages"]) == [render_text("utter_handoff_claimed", "fr", {"name": "Amina"})]
    reply = _trigger(live, sender, "EXTERNAL_caseworker_message", {"caseworker_text": "Bonjour, je suis là."},
                     channel="collector")  # fmt: skip
    assert _texts(reply["messages"]) == ["Bonjour, je suis là."]

    # Danger during the handoff: emergency lines first, and the console is alerted.
    danger = _texts(live.say(sender, "il revient avec un couteau, il va me tuer"))
    assert danger == [render_text("utter_emergency", "fr"), render_text("utter_handoff_alerted", "fr")]
    assert live.handoffs.get(handoff.id).alert_at is not None

    # The caseworker closes: the bot says so and answers again.
    live.handoffs.close(handoff.id, worker, "referred")
    closed = _trigger(live, sender, "EXTERNAL_handoff_closed", channel="collector")
    assert _texts(closed["messages"]) == [render_text("utter_handoff_closed", "fr")]
    assert live.tracker(sender)["slots"]["handoff_active"] is False
    assert _texts(live.say(sender, "merci beaucoup")) == [render_text("utter_thank", "fr")]


def test_summary_consent_copies_no_history(live):
    _caseworker_online(live.handoffs, "karim")
    sender = _sender()
    live.say(sender, "بغيت نعرف على الدعم الاجتماعي المباشر")
    live.say(sender, "بغيت نهضر مع شي مساعدة اجتماعية")
    live.say(sender, '/inform{"share_scope": "summary"}')
    handoff = live.handoffs.open_for(sender)
    assert handoff.priority == PRIORITIES["normal"] and handoff.consent_scope == "summary"
    assert live.handoffs.messages(handoff.id) == []


def test_erase_during_a_handoff_deletes_the_handoff_too(live):
    _caseworker_online(live.handoffs, "salma")
    sender = _sender()
    live.say(sender, "3afak bghit nhder m3a chi mosa3ida ijtima3iya")
    live.say(sender, '/inform{"share_scope": "full"}')
    handoff = live.handoffs.open_for(sender)
    assert handoff is not None
    assert _texts(live.say(sender, "msa7")) == [render_text("utter_delete_confirm", "ary_Latn")]
    live.say(sender, "/affirm")
    assert live.handoffs.get(handoff.id) is None
    assert live.handoffs.messages(handoff.id) == []


def test_caseworker_reply_is_pushed_on_the_citizens_channel(live, receiver):
    _caseworker_online(live.handoffs, "yassine")
    sender = _sender()
    for text in ("bghit nhder m3a chi wa7ed mn l fari9", '/inform{"share_scope": "summary"}'):
        assert _api(live, "/webhooks/callback/webhook", {"sender": sender, "message": text}) == {
            "body": "success"
        }
    receiver.wait_for(lambda m: m.get("recipient_id") == sender and "1" in (m.get("text") or ""))
    assert live.handoffs.open_for(sender) is not None
    _trigger(live, sender, "EXTERNAL_caseworker_message", {"caseworker_text": "Salam, ana m3ak."})
    pushed = receiver.wait_for(
        lambda m: m.get("recipient_id") == sender and m.get("text") == "Salam, ana m3ak."
    )
    assert pushed["text"] == "Salam, ana m3ak."
