"""Telegram and WhatsApp through a real Rasa server: webhooks, conversations, push, erase, polling.

The Rasa server and the action server start as ``make run`` starts them, with the channels'
variables pointing at a local stub of the Bot API and the Graph API; python-telegram-bot and
httpx inside Rasa make their real HTTP requests to it. Hypothesis feeds random payloads to both
webhooks: nothing may produce a 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import rasa_api
from bot.channels.telegram import SECRET_HEADER, TelegramSettings
from bot.channels.telegram_polling import poll
from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate
from bot.launcher import action_server_command, rasa_server_command, service_env, stop, wait_until_ready
from bot.settings import ROOT
from tests.channel_api_stub import ApiStub, Recorded
from tests.conftest import RunningAssistant, free_port

pytestmark = pytest.mark.server

TOKEN = "424242:stub-token"
SECRET = "webhook-secret-for-tests"
APP_SECRET = "meta-app-secret"
VERIFY = "verify-token-for-tests"
PHONE_ID = "1055"
LANGUAGE_BUTTONS = [
    '/choose_language{"language": "ary"}',
    '/choose_language{"language": "ar"}',
    '/choose_language{"language": "fr"}',
]


@pytest.fixture(scope="module")
def stub() -> Iterator[ApiStub]:
    server = ApiStub().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def channels_db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("channels") / "channels.db"


@pytest.fixture(scope="module")
def rasa(model_path: Path, stub: ApiStub, channels_db: Path, tmp_path_factory) -> Iterator[RunningAssistant]:
    """Rasa + action server with both channels on, talking to the stub."""
    rasa_port, actions_port = free_port(), free_port()
    tracker_db = tmp_path_factory.mktemp("tracker") / "tracker.db"
    env = service_env(actions_port, tracker_db)
    env.update(
        ACTION_SERVER_URL=f"http://127.0.0.1:{actions_port}/webhook",
        TRACKER_DB=str(tracker_db),
        CHANNELS_DB=str(channels_db),
        CHANNEL_RETRY_BASE_DELAY="0.01",
        CHANNEL_HTTP_TIMEOUT="5",
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_URL=stub.url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        WHATSAPP_ACCESS_TOKEN="wa-access-token",
        WHATSAPP_PHONE_NUMBER_ID=PHONE_ID,
        WHATSAPP_APP_SECRET=APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=VERIFY,
        WHATSAPP_API_URL=stub.url,
        WHATSAPP_TEMPLATE_NAME="jisr_reopen",
    )
    env.pop("CHANNELS_DB_URL", None)
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    logs = tmp_path_factory.mktemp("channel-logs")
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                action_server_command(actions_port), cwd=ROOT, env=env,
                stdout=(logs / "actions.log").open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        wait_until_ready(f"http://127.0.0.1:{actions_port}/health", process=processes[0])
        processes.append(
            subprocess.Popen(
                rasa_server_command(rasa_port, model_path), cwd=ROOT, env=env,
                stdout=(logs / "rasa.log").open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        wait_until_ready(
            rasa_api.ready_url(f"http://127.0.0.1:{rasa_port}"), timeout=300, process=processes[1]
        )
        yield RunningAssistant(rasa_port, tracker_db, logs / "rasa.log", env)
    finally:
        stop(processes)


# -- helpers -----------------------------------------------------------------------------------------
def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def telegram(rasa: RunningAssistant, update: Any, secret: str | None = SECRET, **headers: str) -> int:
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {"Content-Type": "application/json", **headers}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return post(f"{rasa.url}/webhooks/telegram/webhook", body, headers)[0]


def signed(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def whatsapp(rasa: RunningAssistant, payload: Any, signature: str | None = "valid", **headers: str) -> int:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **headers}
    if signature == "valid":
        headers["X-Hub-Signature-256"] = signed(body)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return post(f"{rasa.url}/webhooks/whatsapp/webhook", body, headers)[0]


_update_ids = iter(range(random.randrange(10**6, 10**8), 10**9))
_message_ids = iter(range(1, 10**9))


def new_chat() -> int:
    return random.randrange(10**8, 10**10)


def message(chat_id: int, text: str | None = None, language: str = "ar", **content: Any) -> dict:
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "X"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "X", "language_code": language},
        **content,
    }
    if text is not None:
        body["text"] = text
    return {"update_id": next(_update_ids), "message": body}


def button_press(chat_id: int, data: str, language: str = "ar") -> dict:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": f"cb{next(_message_ids)}",
            "chat_instance": "1",
            "data": data,
            "from": {"id": chat_id, "is_bot": False, "first_name": "X", "language_code": language},
            "message": {
                "message_id": next(_message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "…",
            },
        },
    }


def to_chat(chat_id: int):
    return lambda call: call.params.get("chat_id") == chat_id


def replies(stub: ApiStub, chat_id: int, count: int = 1) -> list[Recorded]:
    return stub.wait_for("sendMessage", to_chat(chat_id), count)


def text_of(call: Recorded) -> str:
    return strip_bidi_marks(str(call.params["text"]))


def callbacks(call: Recorded) -> list[str]:
    keyboard = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [row[0]["callback_data"] for row in keyboard]


def notification(*messages: dict, statuses: list | None = None, phone_id: str = PHONE_ID) -> dict:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "212500000000", "phone_number_id": phone_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": "X"}, "wa_id": m["from"]} for m in messages]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def wa_message(wa_id: str, kind: str, content: dict) -> dict:
    return {
        "from": wa_id,
        "id": f"wamid.{next(_message_ids)}",
        "timestamp": str(int(time.time())),
        "type": kind,
        kind: content,
    }


def new_contact() -> str:
    return str(random.randrange(212600000000, 212799999999))


def to_contact(wa_id: str, kind: str | None = None):
    return lambda call: call.params.get("to") == wa_id and (kind is None or call.params.get("type") == kind)


# -- Telegram webhook --------------------------------------------------------------------------------
def test_channel_status_routes_say_on(rasa):
    assert json.loads(get(f"{rasa.url}/webhooks/telegram/")[1])["status"] == "ok"
    assert json.loads(get(f"{rasa.url}/webhooks/whatsapp/")[1])["status"] == "ok"


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
def test_telegram_webhook_refuses_a_wrong_secret(rasa, stub, secret):
    chat = new_chat()
    assert telegram(rasa, message(chat, "salam"), secret=secret) == 403
    time.sleep(0.2)
    assert stub.calls("sendMessage", to_chat(chat)) == []


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", {}, 400),
        (b"[1, 2]", {}, 400),
        (b'{"message": {}}', {}, 400),  # no update_id
        (b'{"update_id": "7"}', {}, 400),
        (b'{"update_id": 7, "message": "text"}', {}, 400),
        (b'{"update_id": 1}', {"Content-Type": "text/plain"}, 415),
        (b'{"update_id": 1, "x": "' + b"a" * 300_000 + b'"}', {}, 413),
    ],
    ids=[
        "malformed",
        "array",
        "no-update-id",
        "string-id",
        "message-not-object",
        "content-type",
        "too-large",
    ],
)
def test_telegram_webhook_bad_input_is_a_4xx(rasa, body, headers, status):
    assert telegram(rasa, body, **headers) == status


def test_unknown_updates_and_group_chats_are_acknowledged_and_ignored(rasa, stub):
    chat = -new_chat()
    assert telegram(rasa, {"update_id": next(_update_ids), "some_future_update": {"id": "1"}}) == 200
    group = message(chat, "salam")
    group["message"]["chat"]["type"] = "group"
    assert telegram(rasa, group) == 200
    time.sleep(0.5)
    assert stub.calls("sendMessage", to_chat(chat)) == []


def test_start_shows_typing_then_the_greeting_with_language_buttons(rasa, stub):
    chat = new_chat()
    assert telegram(rasa, message(chat, "/start")) == 200
    (reply,) = replies(stub, chat)
    assert text_of(reply) == translate("utter_greet", "ary")
    assert callbacks(reply) == LANGUAGE_BUTTONS
    typing = stub.calls("sendChatAction", to_chat(chat))
    assert typing and typing[0].params == {"chat_id": chat, "action": "typing"}
    assert stub.requests.index(typing[0]) < stub.requests.index(reply)


@pytest.mark.parametrize(
    ("command", "intent"),
    [
        ("/help", "ask_capabilities"),
        ("/lang", "greet"),
        ("/human@jisr_test_bot", "talk_to_human"),
        ("/exit", "delete_my_data"),
    ],
)
def test_commands_become_their_intents(rasa, stub, command, intent):
    chat = new_chat()
    telegram(rasa, message(chat, command))
    replies(stub, chat)
    assert rasa.tracker(f"tg-{chat}")["latest_message"]["intent"]["name"] == intent


def test_a_typed_payload_is_only_text(rasa, stub):
    chat = new_chat()
    telegram(rasa, message(chat, '/choose_language{"language": "fr"}'))
    replies(stub, chat)
    assert not rasa.tracker(f"tg-{chat}")["latest_message"]["text"].startswith("/")


def test_a_button_press_is_answered_and_its_payload_processed(rasa, stub):
    chat = new_chat()
    update = button_press(chat, LANGUAGE_BUTTONS[2])
    assert telegram(rasa, update) == 200
    (reply,) = replies(stub, chat)
    assert text_of(reply) == translate("utter_language_changed", "fr")
    (answer,) = stub.calls(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == update["callback_query"]["id"]
    )
    assert stub.requests.index(answer) < stub.requests.index(reply)


def test_a_shared_location_searches_the_nearest_centre(rasa, stub):
    chat = new_chat()
    telegram(rasa, message(chat, location={"latitude": 35.7595, "longitude": -5.834}))
    replies(stub, chat)
    latest = rasa.tracker(f"tg-{chat}")["latest_message"]
    assert latest["intent"]["name"] == "find_center"
    entities = {e["entity"]: e["value"] for e in latest["entities"]}
    assert entities.items() >= {"latitude": 35.7595, "longitude": -5.834}.items()


def test_the_city_question_comes_with_a_share_location_keyboard(rasa, stub):
    chat = new_chat()
    telegram(rasa, button_press(chat, LANGUAGE_BUTTONS[2]))
    replies(stub, chat)
    telegram(rasa, button_press(chat, '/find_center{"center_type": "women"}'))
    reply = replies(stub, chat, 2)[-1]
    assert text_of(reply) == translate("utter_ask_city", "fr")
    assert reply.params["reply_markup"]["keyboard"] == [
        [{"text": translate("channel_share_location", "fr"), "request_location": True}]
    ]


@pytest.mark.parametrize(
    "content",
    [
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
    ],
    ids=["sticker", "voice", "photo"],
)
def test_what_is_not_text_gets_a_polite_answer_in_the_app_language(rasa, stub, content):
    chat = new_chat()
    assert telegram(rasa, message(chat, language="fr", **content)) == 200
    (reply,) = replies(stub, chat)
    assert text_of(reply) == translate("channel_text_and_location_only", "fr")


def test_the_conversation_language_wins_over_the_app_language(rasa, stub):
    chat = new_chat()
    telegram(rasa, button_press(chat, LANGUAGE_BUTTONS[2], language="ar"))
    replies(stub, chat)
    telegram(rasa, message(chat, language="ar", voice={"file_id": "v", "file_unique_id": "v", "duration": 1}))
    assert text_of(replies(stub, chat, 2)[-1]) == translate("channel_text_and_location_only", "fr")
    other = new_chat()
    telegram(
        rasa, message(other, language="de", voice={"file_id": "v", "file_unique_id": "v", "duration": 1})
    )
    assert text_of(replies(stub, other)[0]) == translate("channel_text_and_location_only", "ary")


def test_a_duplicate_update_is_processed_once_and_an_edit_is_processed(rasa, stub):
    chat = new_chat()
    update = message(chat, "/start")
    assert telegram(rasa, update) == 200
    assert telegram(rasa, update) == 200
    replies(stub, chat)
    edited = message(chat, "Bonjour")
    edited = {
        "update_id": edited["update_id"],
        "edited_message": {**edited["message"], "edit_date": int(time.time())},
    }
    assert telegram(rasa, edited) == 200
    calls = replies(stub, chat, 2)
    time.sleep(0.5)
    assert len(stub.calls("sendMessage", to_chat(chat))) == 2
    assert text_of(calls[1]) == translate("utter_greet", "fr")


def test_quick_exit_deletes_the_chat_on_the_phone(rasa, stub, channels_db):
    chat = new_chat()
    first = message(chat, "/start")
    telegram(rasa, first)
    replies(stub, chat)
    exit_command = message(chat, "/exit")
    telegram(rasa, exit_command)
    confirm = replies(stub, chat, 2)[-1]
    assert callbacks(confirm) == ["/affirm", "/deny"]
    telegram(rasa, button_press(chat, "/affirm"))
    sent = replies(stub, chat, 3)
    assert text_of(sent[-1]) == translate("utter_delete_done", "ary")
    (deletion,) = stub.wait_for("deleteMessages", to_chat(chat))
    bot_ids = [call.result["message_id"] for call in sent]  # the "done" message goes too
    citizen_ids = [first["message"]["message_id"], exit_command["message"]["message_id"]]
    assert sorted(deletion.params["message_ids"]) == sorted(citizen_ids + bot_ids)
    assert wait_until(lambda: recorded_ids(channels_db, chat) == 0)  # forgotten after the deletion
    events = rasa.tracker(f"tg-{chat}")["events"] or []
    assert not any(e.get("event") == "user" for e in events)


# -- push (caseworker replies) -----------------------------------------------------------------------
def recorded_ids(channels_db: Path, chat: int) -> int:
    with sqlite3.connect(channels_db) as db:
        return db.execute("SELECT count(*) FROM telegram_messages WHERE chat_id = ?", (chat,)).fetchone()[0]


def wait_until(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def trigger(rasa: RunningAssistant, sender: str, intent: str = "greet") -> int:
    body = json.dumps({"name": intent}).encode()
    return post(
        f"{rasa.url}/conversations/{sender}/trigger_intent?output_channel=latest",
        body,
        {"Content-Type": "application/json", **rasa.api_headers()},
    )[0]


def test_a_push_reaches_a_telegram_conversation(rasa, stub):
    chat = new_chat()
    telegram(rasa, button_press(chat, LANGUAGE_BUTTONS[2]))
    replies(stub, chat)
    assert trigger(rasa, f"tg-{chat}") == 200
    pushed = replies(stub, chat, 2)[-1]
    assert text_of(pushed) == translate("utter_greet", "fr")
    assert callbacks(pushed) == LANGUAGE_BUTTONS


def test_a_push_reaches_a_whatsapp_conversation(rasa, stub):
    wa_id = new_contact()
    whatsapp(
        rasa,
        notification(
            wa_message(
                wa_id,
                "interactive",
                {"type": "button_reply", "button_reply": {"id": LANGUAGE_BUTTONS[2], "title": "Français"}},
            )
        ),
    )
    stub.wait_for("messages", to_contact(wa_id))
    assert trigger(rasa, f"wa-{wa_id}") == 200
    (pushed,) = stub.wait_for("messages", to_contact(wa_id, "interactive"))
    assert strip_bidi_marks(pushed.params["interactive"]["body"]["text"]) == translate("utter_greet", "fr")
    assert [b["reply"]["id"] for b in pushed.params["interactive"]["action"]["buttons"]] == LANGUAGE_BUTTONS


# -- WhatsApp webhook --------------------------------------------------------------------------------
def test_whatsapp_verification_handshake(rasa):
    url = f"{rasa.url}/webhooks/whatsapp/webhook?hub.mode=subscribe&hub.challenge=1158201444"
    assert get(f"{url}&hub.verify_token={VERIFY}") == (200, b"1158201444")
    assert get(f"{url}&hub.verify_token=wrong")[0] == 403
    assert get(f"{rasa.url}/webhooks/whatsapp/webhook")[0] == 403


@pytest.mark.parametrize(
    "signature", [None, "", "sha256=", "sha1=abc", signed(b"other body"), signed(b"{}", "wrong")]
)
def test_whatsapp_webhook_refuses_a_wrong_signature(rasa, stub, signature):
    wa_id = new_contact()
    assert (
        whatsapp(rasa, notification(wa_message(wa_id, "text", {"body": "salam"})), signature=signature) == 403
    )
    time.sleep(0.2)
    assert stub.calls("messages", to_contact(wa_id)) == []


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", {}, 400),
        (b"[]", {}, 400),
        (b"{}", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        (b'{"x": "' + b"a" * 300_000 + b'"}', {}, 413),
        (b'{"object": "page", "entry": []}', {}, 200),
        (b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": 3}]}]}', {}, 200),
    ],
    ids=["malformed", "array", "content-type", "too-large", "other-object", "odd-shape"],
)
def test_whatsapp_webhook_bad_input_is_a_4xx_or_ignored(rasa, body, headers, status):
    assert whatsapp(rasa, body, **headers) == status


def test_a_whatsapp_text_is_read_typed_and_answered(rasa, stub):
    wa_id = new_contact()
    incoming = wa_message(wa_id, "text", {"body": "Bonjour madame"})
    assert whatsapp(rasa, notification(incoming)) == 200
    (reply,) = stub.wait_for("messages", to_contact(wa_id, "interactive"))
    assert strip_bidi_marks(reply.params["interactive"]["body"]["text"]) == translate("utter_greet", "fr")
    read = stub.calls("messages", lambda c: c.params.get("message_id") == incoming["id"])
    assert read[0].params == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": incoming["id"],
        "typing_indicator": {"type": "text"},
    }
    assert stub.requests.index(read[0]) < stub.requests.index(reply)


def test_whatsapp_buttons_lists_locations_and_other_types(rasa, stub):
    wa_id = new_contact()
    whatsapp(
        rasa,
        notification(
            wa_message(
                wa_id,
                "interactive",
                {"type": "list_reply", "list_reply": {"id": LANGUAGE_BUTTONS[2], "title": "Français"}},
            )
        ),
    )
    (changed,) = stub.wait_for("messages", to_contact(wa_id, "text"))
    assert changed.params["text"]["body"] == translate("utter_language_changed", "fr")
    whatsapp(rasa, notification(wa_message(wa_id, "location", {"latitude": 34.02, "longitude": -6.83})))
    stub.wait_for("messages", to_contact(wa_id), count=2)
    assert rasa.tracker(f"wa-{wa_id}")["latest_message"]["intent"]["name"] == "find_center"
    whatsapp(rasa, notification(wa_message(wa_id, "image", {"id": "media1", "mime_type": "image/jpeg"})))
    polite = stub.wait_for("messages", to_contact(wa_id, "text"), count=2)[-1]
    assert polite.params["text"]["body"] == translate("channel_text_and_location_only", "fr")


def test_whatsapp_statuses_are_ignored_and_duplicates_processed_once(rasa, stub):
    wa_id = new_contact()
    status = {"id": "wamid.out", "status": "delivered", "timestamp": "1", "recipient_id": wa_id}
    assert whatsapp(rasa, notification(statuses=[status])) == 200
    incoming = wa_message(wa_id, "text", {"body": "Bonjour"})
    assert whatsapp(rasa, notification(incoming)) == 200
    assert whatsapp(rasa, notification(incoming)) == 200
    stub.wait_for("messages", to_contact(wa_id, "interactive"))
    time.sleep(0.5)
    assert len(stub.calls("messages", to_contact(wa_id, "interactive"))) == 1


def test_several_contacts_in_one_notification_are_all_answered(rasa, stub):
    contacts = [new_contact() for _ in range(3)]
    payload = notification(*(wa_message(w, "text", {"body": "Bonjour"}) for w in contacts))
    assert whatsapp(rasa, payload) == 200
    for wa_id in contacts:
        stub.wait_for("messages", to_contact(wa_id, "interactive"))
    other = notification(wa_message(new_contact(), "text", {"body": "Bonjour"}), phone_id="999")
    assert whatsapp(rasa, other) == 200  # another business number: not ours to answer


def test_no_log_line_holds_the_bot_token(rasa, stub):
    telegram(rasa, message(new_chat(), "/start"))
    time.sleep(0.5)
    assert TOKEN not in rasa.log_file.read_text(errors="replace")


# -- random payloads ---------------------------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
TELEGRAM_FIELDS = st.sampled_from(["message", "edited_message", "callback_query", "poll", "my_chat_member"])
CHAT = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(), st.text(max_size=5)), "type": st.sampled_from(["private", "group", 3])}
)
TELEGRAM_MESSAGE = st.fixed_dictionaries(
    {
        "message_id": st.one_of(st.integers(0, 10**6), st.text(max_size=3)),
        "date": st.integers(0, 2**31),
        "chat": CHAT,
    },
    optional={
        "text": st.one_of(st.text(max_size=50), st.integers()),
        "caption": st.text(max_size=10),
        "location": st.dictionaries(
            st.sampled_from(["latitude", "longitude"]), st.one_of(st.floats(), st.text(max_size=3))
        ),
        "from": st.dictionaries(st.sampled_from(["id", "is_bot", "first_name", "language_code"]), JSON),
        "sticker": JSON,
    },
)
TELEGRAM_UPDATES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"update_id": st.integers(10**9, 2**40)},
        optional={"message": TELEGRAM_MESSAGE, "edited_message": TELEGRAM_MESSAGE},
    ),
    st.builds(
        lambda uid, field, value: {"update_id": uid, field: value},
        st.integers(10**9, 2**40),
        TELEGRAM_FIELDS,
        JSON,
    ),
)
WA_MESSAGE = st.fixed_dictionaries(
    {
        "from": st.one_of(st.from_regex(r"\A2126[0-9]{8}\Z"), JSON),
        "id": st.one_of(st.text(min_size=1, max_size=20), JSON),
        "type": st.sampled_from(
            ["text", "interactive", "button", "location", "image", "reaction", "unknown"]
        ),
    },
    optional={"timestamp": JSON, "text": JSON, "interactive": JSON, "location": JSON, "button": JSON},
)
WA_PAYLOADS = st.one_of(
    JSON,
    st.builds(
        lambda messages, statuses, phone: notification(*messages, statuses=statuses, phone_id=phone),
        st.lists(WA_MESSAGE, max_size=3),
        st.one_of(st.none(), st.lists(JSON, max_size=2)),
        st.sampled_from([PHONE_ID, "1", 7]),
    ),
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(update=TELEGRAM_UPDATES)
def test_random_telegram_payloads_never_make_a_500(rasa, update):
    assert telegram(rasa, update) < 500


@FUZZ
@given(payload=WA_PAYLOADS)
def test_random_whatsapp_payloads_never_make_a_500(rasa, payload):
    assert whatsapp(rasa, payload) < 500


@FUZZ
@given(
    body=st.binary(max_size=200),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/json; charset=utf-8"]),
)
def test_random_bytes_never_make_a_500(rasa, body, content_type):
    assert telegram(rasa, body, **{"Content-Type": content_type}) < 500
    assert whatsapp(rasa, body, **{"Content-Type": content_type}) < 500


# -- long polling ------------------------------------------------------------------------------------
def test_polling_forwards_updates_to_the_webhook(rasa, stub):
    chat = new_chat()
    first, second = message(chat, "/start"), button_press(chat, LANGUAGE_BUTTONS[2])
    stub.updates.extend([first, second])
    settings_ = TelegramSettings(token=TOKEN, secret=SECRET, api_url=stub.url)
    stop_event: asyncio.Event | None = None
    loop = asyncio.new_event_loop()

    def run() -> None:
        nonlocal stop_event
        stop_event = asyncio.Event()
        loop.run_until_complete(poll(settings_, rasa.url, stop_event, poll_seconds=1))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        sent = replies(stub, chat, 2)
        stub.wait_for("getUpdates", lambda c: c.params.get("offset") == second["update_id"] + 1)
    finally:
        stub.updates.clear()
        loop.call_soon_threadsafe(lambda: stop_event and stop_event.set())
        thread.join(30)
    assert text_of(sent[0]) == translate("utter_greet", "ary")
    assert text_of(sent[1]) == translate("utter_language_changed", "fr")
    assert stub.calls("deleteWebhook")
    assert stub.calls("getUpdates")[0].params["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
    ]
