"""What every channel does to a citizen's text before Rasa sees it.

Rasa silently drops empty messages and its parser fails on text that cleaning empties, so a
citizen who sends only emoji, spaces or control characters would get no answer at all. Such
messages become the ``nlu_fallback`` intent marked ``no_text``, answered by the fallback action
with "I can only read text…" in the conversation's language.
"""

from __future__ import annotations

from typing import Any

from bot.nlu.text_normalization import MAX_MESSAGE_CHARS, clean_message, has_letters_or_digits

NO_TEXT_PAYLOAD = "/nlu_fallback"
NO_TEXT_FLAG = "no_text"


def prepare_text(text: Any | None, limit: int = MAX_MESSAGE_CHARS) -> tuple[str, dict[str, Any]]:
    """Cleaned text for Rasa and the metadata to attach to the message."""
    cleaned = clean_message(text if isinstance(text, str) else "", limit)
    if not has_letters_or_digits(cleaned):
        return NO_TEXT_PAYLOAD, {NO_TEXT_FLAG: True}
    return cleaned, {}


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
