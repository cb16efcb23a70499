"""What a Telegram or WhatsApp server posts to the assistant's webhooks, for tests and benches.

Builds one text update / notification and posts it with the channel's secret (Telegram's secret
header, WhatsApp's HMAC signature), exactly as the real platforms do.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import random
import time
import urllib.error
import urllib.request
from typing import Any

from bot.channels.telegram import SECRET_HEADER

_ids = itertools.count(random.randrange(10**6, 10**8))


def post_json(
    url: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 120
) -> tuple[int, bytes]:
    """Status and body of a POST (HTTP errors are returned, not raised)."""
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", **(headers or {})}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def telegram_text_update(chat_id: int, text: str) -> bytes:
    """A private-chat text message update as the Bot API posts it."""
    update = {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "X"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "X", "language_code": "fr"},
            "text": text,
        },
    }
    return json.dumps(update).encode()


def post_telegram(base_url: str, body: bytes, secret: str, timeout: float = 120) -> int:
    headers = {SECRET_HEADER: secret}
    return post_json(f"{base_url}/webhooks/telegram/webhook", body, headers, timeout)[0]


def whatsapp_text_notification(wa_id: str, text: str, phone_number_id: str) -> bytes:
    """A Cloud API notification carrying one text message from ``wa_id``."""
    message: dict[str, Any] = {
        "from": wa_id,
        "id": f"wamid.{next(_ids)}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "212500000000", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "X"}, "wa_id": wa_id}],
        "messages": [message],
    }
    notification = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(notification).encode()


def post_whatsapp(base_url: str, body: bytes, app_secret: str, timeout: float = 120) -> int:
    signature = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": signature}
    return post_json(f"{base_url}/webhooks/whatsapp/webhook", body, headers, timeout)[0]


class WebChatClient:
    """A web chat page on the socket.io channel, as bot/channels/webchat_assets/webchat.js speaks it.

    The server issues the session (``session_confirm``); :attr:`session_id` is then the conversation
    id it opened (``web-…``). Text is sent as typed; a Rasa payload (``/affirm``) is sent as the page
    sends a pressed button: the payload with the signature of a button the assistant showed.
    """

    def __init__(self, base_url: str, label: str = "", timeout: float = 60) -> None:
        import socketio  # python-socketio, installed with Rasa

        self.label = label  # the caller's name for this client (logs only): the server chooses the id
        self.received: list[dict[str, Any]] = []
        self._confirmed: list[Any] = []
        self._client = socketio.Client(reconnection=False)
        self._client.on(
            "bot_uttered", lambda data: self.received.append(data if isinstance(data, dict) else {})
        )
        self._client.on("session_confirm", self._confirmed.append)
        self._client.connect(base_url, transports=["polling"], socketio_path="socket.io", wait_timeout=30)
        self._client.emit("session_request", {})
        deadline = time.monotonic() + timeout
        while not self._confirmed:
            if time.monotonic() > deadline:
                raise AssertionError("no session_confirm from the web chat channel")
            time.sleep(0.05)
        confirmed = self._confirmed[-1]
        self.token = confirmed.get("session_id") if isinstance(confirmed, dict) else confirmed
        self.session_id = f"web-{str(self.token).split('.')[0]}"

    def send(self, text: str, timeout: float = 120) -> None:
        """Typed text; a ``/payload`` waits for the button that carries it and presses it."""
        if not text.startswith("/"):
            self._client.emit("user_uttered", {"message": text})
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.received):
                for button in message.get("quick_replies") or message.get("buttons") or []:
                    if button.get("payload") == text:
                        self._client.emit(
                            "user_uttered", {"payload": text, "signature": button.get("signature")}
                        )
                        return
            time.sleep(0.1)
        raise AssertionError(f"no button with payload {text!r} was shown to {self.session_id}")

    def close(self) -> None:
        self._client.disconnect()
