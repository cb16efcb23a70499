"""What every channel does to a citizen's text before Rasa sees it.

``prepare_text`` is the one entrance every channel calls (REST, Telegram, WhatsApp, web chat): it
cuts the text at ``MAX_MESSAGE_CHARS`` before NLU and before the tracker store, and reads at most a
bounded prefix of an oversized text, so no single message is stored unbounded or stalls a server.

Rasa silently drops empty messages and its parser fails on text that cleaning empties, so a
citizen who sends only emoji, spaces or control characters would get no answer at all. Such
messages become the ``nlu_fallback`` intent marked ``no_text``, answered by the fallback action
with "I can only read text…" in the conversation's language.
"""

from __future__ import annotations

import json
from typing import Any

from bot.text.normalization import MAX_MESSAGE_CHARS, clean_message, has_letters_or_digits

NO_TEXT_PAYLOAD = "/nlu_fallback"
NO_TEXT_FLAG = "no_text"
#: Largest message metadata a client may attach (serialised JSON characters); the tracker stores it.
MAX_METADATA_CHARS = 4096


def prepare_text(text: Any | None, limit: int = MAX_MESSAGE_CHARS) -> tuple[str, dict[str, Any]]:
    """Cleaned text for Rasa and the metadata to attach to the message."""
    cleaned = clean_message(text if isinstance(text, str) else "", limit)
    if not has_letters_or_digits(cleaned):
        return NO_TEXT_PAYLOAD, {NO_TEXT_FLAG: True}
    return cleaned, {}


def metadata_too_large(metadata: Any) -> bool:
    """True when a client's message metadata is over ``MAX_METADATA_CHARS`` once serialised."""
    try:
        return len(json.dumps(metadata, default=str)) > MAX_METADATA_CHARS
    except (TypeError, ValueError):  # circular or otherwise unserialisable
        return True


def location_payload(location: Any) -> str | None:
    """A shared location as the ``find_center`` payload, or ``None`` if it is not a valid point."""
    if not isinstance(location, dict):
        return None
    try:
        latitude = float(location.get("latitude", location.get("lat")))
        longitude = float(location.get("longitude", location.get("lon")))
    except (TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return f'/find_center{{"latitude": {latitude:.6f}, "longitude": {longitude:.6f}}}'
