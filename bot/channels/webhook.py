"""What both messaging webhooks do before looking at an update: size limit, JSON, answers.

The routes stream their body so the limit holds before anything is buffered: Sanic refuses a
body over ``MAX_BODY_BYTES`` (256 KiB, ``CHANNEL_MAX_BODY_BYTES``) with 413 while reading it.
A real Telegram update or WhatsApp notification is a few KiB. Anything that is not a JSON object
is a 4xx; nothing a sender can post produces a 500.
"""

from __future__ import annotations

import json
from typing import Any, Dict

from sanic import response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import get_settings


def max_body_bytes() -> int:
    """The webhook body limit in bytes."""
    return get_settings().channel_max_body_bytes


class WebhookRejected(Exception):
    """A request the webhook refuses, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> HTTPResponse:
        return response.json({"error": self.reason}, status=self.status)


async def read_body(request: Request, limit: int | None = None) -> bytes:
    """The raw body of a streaming route, refused over ``limit`` bytes."""
    limit = max_body_bytes() if limit is None else limit
    if request.stream is not None:
        request.stream.request_max_size = limit
    try:
        await request.receive_body()
    except PayloadTooLarge as error:
        raise WebhookRejected(413, f"body over {limit} bytes") from error
    body = request.body or b""
    if len(body) > limit:
        raise WebhookRejected(413, f"body over {limit} bytes")
    return body


def json_object(request: Request, body: bytes) -> Dict[str, Any]:
    """The body as a JSON object: 415 for another content type, 400 for anything else."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise WebhookRejected(415, "content type must be application/json")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise WebhookRejected(400, "body is not valid JSON") from error
    if not isinstance(data, dict):
        raise WebhookRejected(400, "body must be a JSON object")
    return data


def acknowledged(note: str = "ok") -> HTTPResponse:
    """200: the platform must not retry (handled, duplicate, or ignored on purpose)."""
    return response.json({"status": note})
