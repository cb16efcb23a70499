"""Telegram and WhatsApp output: the exact API requests, retries and the 24-hour window.

python-telegram-bot and httpx make their real HTTP requests to a local stub of the Bot API and
the Graph API (``tests/channel_api_stub.py``); the channel store is a real SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

from bot.channels.store import TELEGRAM_DELETE_WINDOW
from bot.channels.telegram import COMMANDS, TelegramInput, derived_secret
from bot.channels.whatsapp import WhatsAppInput
from bot.i18n.catalogs import translate
from bot.privacy.erase_hooks import unregister_erase_hook
from tests.channel_api_stub import ApiStub

TOKEN = "123456:TEST-token"
SECRET_TEXT = "Mon mari me frappe"  # must never reach a log line


@pytest.fixture(scope="module")
def stub():
    server = ApiStub().start()
    yield server
    server.stop()


@pytest.fixture
def env(stub, monkeypatch, tmp_path):
    stub.clear()
    monkeypatch.setenv("CHANNELS_DB", str(tmp_path / "channels.db"))
    monkeypatch.delenv("CHANNELS_DB_URL", raising=False)
    monkeypatch.setenv("CHANNEL_RETRY_ATTEMPTS", "3")
    monkeypatch.setenv("CHANNEL_RETRY_BASE_DELAY", "0.01")
    monkeypatch.setenv("CHANNEL_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", stub.url)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_URL", raising=False)
    for name, value in {
        "ACCESS_TOKEN": "wa-access",
        "PHONE_NUMBER_ID": "1055",
        "APP_SECRET": "app-secret",
        "VERIFY_TOKEN": "verify-me",
        "API_URL": stub.url,
        "API_VERSION": "v21.0",
        "TEMPLATE_NAME": "jisr_reopen",
        "TEMPLATE_LANGUAGE": "fr",
    }.items():
        monkeypatch.setenv(f"WHATSAPP_{name}", value)
    return monkeypatch


@pytest.fixture
def telegram(env):
    channel = TelegramInput.from_credentials(None)
    yield channel
    unregister_erase_hook(channel.erase_chat)


@pytest.fixture
def whatsapp(env):
    channel = WhatsAppInput.from_credentials(None)
    yield channel
    unregister_erase_hook(channel.forget_contact)


def _send(channel, recipient: str, message: dict) -> None:
    asyncio.run(channel.get_output_channel().send_response(recipient, message))


# -- Telegram ----------------------------------------------------------------------------------------
def test_channels_are_off_without_their_variables(monkeypatch):
    for name in ("TELEGRAM_TOKEN", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    telegram, whatsapp = TelegramInput.from_credentials(None), WhatsAppInput.from_credentials({})
    assert not telegram.enabled and telegram.missing == ["TELEGRAM_TOKEN"]
    assert telegram.get_output_channel() is None and whatsapp.get_output_channel() is None
    assert "WHATSAPP_APP_SECRET" in whatsapp.missing


def test_credentials_name_the_variables_to_read(env):
    env.setenv("JISR_BOT_TOKEN", "999:other")
    channel = TelegramInput.from_credentials({"token": "JISR_BOT_TOKEN"})
    assert channel.settings.token == "999:other"
    assert channel.settings.secret == derived_secret("999:other")
    unregister_erase_hook(channel.erase_chat)


def test_long_text_is_split_and_buttons_ride_on_the_last_part(telegram, stub):
    text = ("كلمة " * 1000).strip()  # 4,999 characters
    long_payload = '/inform{"service_id": "' + "x" * 60 + '"}'
    buttons = [{"title": "Oui", "payload": "/affirm"}, {"title": "Service", "payload": long_payload}]
    _send(telegram, "tg-42", {"text": text, "buttons": buttons})
    first, second = stub.calls("sendMessage")
    assert first.path == f"/bot{TOKEN}/sendMessage"
    assert first.params == {"chat_id": 42, "text": ("كلمة " * 819).strip()}
    assert second.params["text"] == ("كلمة " * 181).strip()
    keyboard = second.params["reply_markup"]["inline_keyboard"]
    assert keyboard[0] == [{"text": "Oui", "callback_data": "/affirm"}]
    key = keyboard[1][0]["callback_data"]
    assert len(key.encode()) <= 64 and telegram.store.expand_payload(key) == long_payload
    assert len(telegram.store.telegram_message_ids(42)) == 2  # both parts recorded for the quick exit


def test_the_city_question_offers_a_share_location_keyboard_in_the_reply_language(telegram, stub):
    _send(telegram, "tg-7", {"text": "Quelle ville ?", "custom": {"request_location": True}, "locale": "fr"})
    (call,) = stub.calls("sendMessage")
    assert call.params["text"] == "Quelle ville ?"
    assert call.params["reply_markup"] == {
        "keyboard": [[{"text": translate("channel_share_location", "fr"), "request_location": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }


def test_a_custom_payload_is_never_shown_as_json(telegram, stub):
    _send(telegram, "tg-7", {"text": "Bonjour", "custom": {"something": "internal"}})
    assert [c.params["text"] for c in stub.calls("sendMessage")] == ["Bonjour"]


def test_another_channels_id_sends_nothing(telegram, stub):
    _send(telegram, "wa-2126", {"text": "Bonjour"})
    assert stub.calls() == []


def test_flood_control_is_honoured_then_the_message_goes_out(telegram, stub):
    stub.fail("sendMessage", 429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 1}})
    _send(telegram, "tg-5", {"text": SECRET_TEXT})
    calls = stub.calls("sendMessage")
    assert len(calls) == 2 and calls[1].params["text"] == SECRET_TEXT
    assert len(telegram.store.telegram_message_ids(5)) == 1


def test_server_errors_and_timeouts_are_retried_a_bounded_number_of_times(telegram, stub, caplog):
    stub.fail("sendMessage", 502, {"ok": False, "description": "Bad Gateway"})
    stub.fail("sendMessage", 200, {"ok": True}, delay=2)  # longer than CHANNEL_HTTP_TIMEOUT
    stub.fail("sendMessage", 500, {"ok": False, "description": "Internal"}, times=5)
    with caplog.at_level(logging.INFO):
        _send(telegram, "tg-5", {"text": SECRET_TEXT})
    assert len(stub.calls("sendMessage")) == 3  # CHANNEL_RETRY_ATTEMPTS
    assert any("failed after 3 attempts" in r.getMessage() for r in caplog.records)
    assert not any(SECRET_TEXT in r.getMessage() for r in caplog.records)
    assert telegram.store.telegram_message_ids(5) == []


def test_a_refused_request_is_not_retried(telegram, stub, caplog):
    stub.fail("sendMessage", 403, {"ok": False, "description": "Forbidden: bot was blocked by the user"})
    with caplog.at_level(logging.WARNING):
        _send(telegram, "tg-5", {"text": SECRET_TEXT})
    assert len(stub.calls("sendMessage")) == 1
    assert any("not retried" in r.getMessage() for r in caplog.records)


def test_quick_exit_deletes_the_recent_messages_in_batches_and_forgets_them(telegram, stub):
    now = time.time()
    telegram.store.record_telegram_messages(9, range(1, 151), now)
    telegram.store.record_telegram_messages(9, [500], now - TELEGRAM_DELETE_WINDOW - 10)
    telegram.store.record_telegram_messages(10, [7], now)  # another chat is untouched
    assert asyncio.run(telegram.erase_chat("tg-9", "telegram")) == 150
    batches = [c.params for c in stub.calls("deleteMessages")]
    assert batches == [
        {"chat_id": 9, "message_ids": list(range(1, 101))},
        {"chat_id": 9, "message_ids": list(range(101, 151))},
    ]
    assert telegram.store.telegram_message_ids(9, now) == []
    assert telegram.store.telegram_message_ids(10, now) == [7]
    assert asyncio.run(telegram.erase_chat("wa-9", None)) == 0


def test_an_erase_confirmed_on_another_channel_deletes_nothing_on_telegram(telegram, stub):
    telegram.store.record_telegram_messages(11, [1, 2])
    assert asyncio.run(telegram.erase_chat("tg-11", "rest")) == 0
    assert stub.calls("deleteMessages") == [] and telegram.store.telegram_message_ids(11) == [1, 2]


def test_start_up_registers_the_command_menus_and_the_webhook(telegram, stub, env):
    env.setenv("TELEGRAM_WEBHOOK_URL", "https://jisr.example/webhooks/telegram/webhook")
    channel = TelegramInput.from_credentials(None)
    asyncio.run(channel.register_with_telegram())
    unregister_erase_hook(channel.erase_chat)
    menus = {c.params.get("language_code"): c.params["commands"] for c in stub.calls("setMyCommands")}
    assert set(menus) == {None, "ar", "fr"}
    for language, locale in ((None, "ary"), ("ar", "ar"), ("fr", "fr")):
        assert menus[language] == [
            {"command": c, "description": translate(f"tg_command_{c}", locale)} for c in COMMANDS
        ]
    (webhook,) = stub.calls("setWebhook")
    assert webhook.params == {
        "url": "https://jisr.example/webhooks/telegram/webhook",
        "secret_token": derived_secret(TOKEN),
        "allowed_updates": ["message", "edited_message", "callback_query"],
    }


# -- WhatsApp ----------------------------------------------------------------------------------------
def _open_window(channel, wa_id: str) -> None:
    channel.store.touch_contact(wa_id, time.time())


def _bodies(stub) -> list[dict]:
    return [c.params for c in stub.calls("messages")]


def test_whatsapp_text_request_is_exact(whatsapp, stub):
    _open_window(whatsapp, "212600000001")
    _send(whatsapp, "wa-212600000001", {"text": "Bonjour"})
    (call,) = stub.calls("messages")
    assert call.path == "/v21.0/1055/messages"
    assert call.headers["Authorization"] == "Bearer wa-access"
    assert call.headers["Content-Type"] == "application/json"
    assert json.loads(call.raw) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "212600000001",
        "type": "text",
        "text": {"preview_url": False, "body": "Bonjour"},
    }


def test_up_to_three_short_buttons_are_reply_buttons(whatsapp, stub):
    _open_window(whatsapp, "2126")
    buttons = [{"title": "Oui, effacer", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
    _send(whatsapp, "wa-2126", {"text": "Effacer ?", "buttons": buttons})
    assert _bodies(stub)[0]["interactive"] == {
        "type": "button",
        "body": {"text": "Effacer ?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "/affirm", "title": "Oui, effacer"}},
                {"type": "reply", "reply": {"id": "/deny", "title": "Non"}},
            ]
        },
    }


def test_more_buttons_become_lists_of_at_most_ten_rows(whatsapp, stub):
    _open_window(whatsapp, "2126")
    buttons = [{"title": f"Service numéro {i} avec un long titre", "payload": f"/s{i}"} for i in range(12)]
    _send(whatsapp, "wa-2126", {"text": "Services", "buttons": buttons, "locale": "fr"})
    first, second = (b["interactive"] for b in _bodies(stub))
    assert first["type"] == "list" and first["body"] == {"text": "Services"}
    assert first["action"]["button"] == translate("channel_list_button", "fr")
    rows = first["action"]["sections"][0]["rows"]
    assert len(rows) == 10 and len(second["action"]["sections"][0]["rows"]) == 2
    assert rows[0] == {
        "id": "/s0",
        "title": "Service numéro 0 avec u…",
        "description": "Service numéro 0 avec un long titre",
    }
    assert all(len(r["title"]) <= 24 for r in rows)


def test_a_long_text_with_buttons_keeps_the_interactive_body_under_1024(whatsapp, stub):
    _open_window(whatsapp, "2126")
    text = " ".join(f"mot{i}" for i in range(1500))
    _send(whatsapp, "wa-2126", {"text": text, "buttons": [{"title": "OK", "payload": "/affirm"}]})
    bodies = _bodies(stub)
    assert [b["type"] for b in bodies] == ["text", "text", "text", "interactive"]
    tail = bodies[-1]["interactive"]["body"]["text"]
    assert len(tail) <= 1024 and all(len(b["text"]["body"]) <= 4096 for b in bodies[:-1])
    assert " ".join([*(b["text"]["body"] for b in bodies[:-1]), tail]) == text


def test_the_city_question_is_a_location_request(whatsapp, stub):
    _open_window(whatsapp, "2126")
    _send(whatsapp, "wa-2126", {"text": "Quelle ville ?", "custom": {"request_location": True}})
    assert _bodies(stub) == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "2126",
            "type": "interactive",
            "interactive": {
                "type": "location_request_message",
                "body": {"text": "Quelle ville ?"},
                "action": {"name": "send_location"},
            },
        }
    ]


def test_outside_the_window_only_the_template_goes_out_once_and_is_logged(whatsapp, stub, caplog):
    output = whatsapp.get_output_channel()

    async def push():
        await output.send_response("wa-2127", {"text": SECRET_TEXT})
        await output.send_response("wa-2127", {"text": "Deuxième message"})

    with caplog.at_level(logging.INFO):
        asyncio.run(push())
    assert _bodies(stub) == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "2127",
            "type": "template",
            "template": {"name": "jisr_reopen", "language": {"code": "fr"}},
        }
    ]
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.channels.whatsapp"]
    assert any("outside the 24-hour window" in m and "jisr_reopen" in m for m in logged)
    assert not any(SECRET_TEXT in r.getMessage() for r in caplog.records)


def test_without_a_template_nothing_is_sent_outside_the_window(whatsapp, stub, env, caplog):
    env.delenv("WHATSAPP_TEMPLATE_NAME")
    channel = WhatsAppInput.from_credentials(None)
    with caplog.at_level(logging.WARNING):
        _send(channel, "wa-2128", {"text": SECRET_TEXT})
    unregister_erase_hook(channel.forget_contact)
    assert _bodies(stub) == []
    assert any("no template is configured" in r.getMessage() for r in caplog.records)


def test_graph_throttling_is_retried_then_delivered(whatsapp, stub):
    _open_window(whatsapp, "2126")
    stub.fail("messages", 429, {"error": {"code": 130429}}, headers={"Retry-After": "1"})
    stub.fail("messages", 400, {"error": {"code": 131056, "message": "pair rate limit"}})
    _send(whatsapp, "wa-2126", {"text": "Bonjour"})
    calls = stub.calls("messages")
    assert len(calls) == 3 and calls[0].raw == calls[2].raw


def test_graph_server_errors_are_retried_a_bounded_number_of_times(whatsapp, stub, caplog):
    _open_window(whatsapp, "2126")
    stub.fail("messages", 503, {"error": {"code": 2}}, times=5)
    with caplog.at_level(logging.WARNING):
        _send(whatsapp, "wa-2126", {"text": SECRET_TEXT})
    assert len(stub.calls("messages")) == 3
    assert any("failed after 3 attempts: HTTP 503" in r.getMessage() for r in caplog.records)


def test_graph_refusals_are_not_retried_and_logged_without_text(whatsapp, stub, caplog):
    _open_window(whatsapp, "2126")
    stub.fail("messages", 400, {"error": {"code": 131026, "message": "Receiver incapable"}})
    with caplog.at_level(logging.WARNING):
        _send(whatsapp, "wa-2126", {"text": SECRET_TEXT})
    assert len(stub.calls("messages")) == 1
    (line,) = [r.getMessage() for r in caplog.records if "not retried" in r.getMessage()]
    assert "HTTP 400, Graph error 131026" in line and SECRET_TEXT not in line


def test_erase_forgets_the_contacts_window(whatsapp):
    _open_window(whatsapp, "2129")
    asyncio.run(whatsapp.forget_contact("wa-2129", "whatsapp"))
    assert whatsapp.store.last_inbound("2129") is None
