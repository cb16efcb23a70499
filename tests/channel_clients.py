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
    """A web chat widget on the socket.io channel (``session_request``, ``user_uttered``).

    Only sends: Rasa 3.6's stock socket.io channel does not await python-socketio 5's
    ``enter_room``, so with session persistence its replies never reach the widget. Tests see
    what happened in the tracker store instead.
    """

    def __init__(self, base_url: str, session_id: str) -> None:
        import socketio  # python-socketio, installed with Rasa

        self.session_id = session_id
        self._client = socketio.Client(reconnection=False)
        self._client.connect(base_url, transports=["polling"], socketio_path="socket.io", wait_timeout=30)
        self._client.emit("session_request", {"session_id": session_id})

    def send(self, text: str) -> None:
        self._client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def close(self) -> None:
        self._client.disconnect()
