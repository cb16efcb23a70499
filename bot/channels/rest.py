"""REST channel with the project's input hygiene (``POST /webhooks/rest/webhook``).

Same request and response format as Rasa's REST channel, plus: a missing or non-text ``sender``
is a 400 (Rasa would otherwise put every such message into one shared "default" conversation),
text is cleaned and cut, ``metadata`` over 4 kB is a 400, messages with nothing readable get a polite reply, and an optional
``"location": {"latitude": …, "longitude": …}`` searches the nearest centre from that point.
The REST channel answers in the HTTP response: it cannot push caseworker messages later.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channels.conversation_ids import RESERVED_PREFIXES, is_reserved
from bot.channels.incoming import MAX_METADATA_CHARS, location_payload, metadata_too_large, prepare_text

MAX_SENDER_CHARS = 128


class JisrRestInput(RestInput):
    """Rasa's REST input with validated sender and cleaned text."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @staticmethod
    def _body(request: Request) -> Dict[str, Any]:
        body = request.json
        if not isinstance(body, dict):
            raise InvalidUsage("Body must be a JSON object with 'sender' and 'message'.")
        return body

    async def _extract_sender(self, req: Request) -> str | None:
        sender = self._body(req).get("sender")
        if isinstance(sender, (int, float)) and not isinstance(sender, bool):
            sender = str(sender)
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise InvalidUsage(
                f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters."
            )
        if is_reserved(sender):
            raise InvalidUsage(
                f"'sender' may not start with {', '.join(RESERVED_PREFIXES)} (other channels' conversations)."
            )
        return sender

    def _extract_input_channel(self, req: Request) -> str:
        """Always ``rest``: Rasa's REST input takes ``input_channel`` from the body, which would let a
        client file its messages under another channel (and route pushes or erase hooks there)."""
        return self.name()

    def _extract_message(self, req: Request) -> str | None:
        body = self._body(req)
        return location_payload(body.get("location")) or prepare_text(body.get("message"))[0]

    def get_metadata(self, request: Request) -> Dict[str, Any] | None:
        body = self._body(request)
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        if metadata_too_large(metadata):  # stored with the message in the tracker
            raise InvalidUsage(f"'metadata' must be at most {MAX_METADATA_CHARS} characters of JSON.")
        if location_payload(body.get("location")):
            return metadata
        return {**metadata, **prepare_text(body.get("message"))[1]}
