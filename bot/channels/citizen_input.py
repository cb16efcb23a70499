"""Turns what a citizen sent on a messaging app into the text Rasa receives.

Typed text goes through the same cleaning as every channel (``incoming.prepare_text``). A typed
leading ``/`` is dropped: on Telegram, WhatsApp and web chat only buttons send Rasa payloads
(``/intent{"entity": …}``), so a citizen cannot set intents or slots by typing one.
"""

from __future__ import annotations

from typing import Any

from bot.channels.incoming import location_payload, prepare_text


def typed_text(text: Any) -> tuple[str, dict[str, Any]]:
    """Cleaned typed text and its metadata (the no-text marker when nothing is readable)."""
    if isinstance(text, str):
        text = text.lstrip().lstrip("/")
    return prepare_text(text)


def shared_location(latitude: Any, longitude: Any) -> str | None:
    """A shared point as the ``find_center`` payload, or ``None`` when it is not a valid point."""
    return location_payload({"latitude": latitude, "longitude": longitude})


def button_payload(value: Any) -> str | None:
    """A pressed button's payload (ours always start with ``/``), else ``None``."""
    if isinstance(value, str) and value.startswith("/") and len(value) <= 2000:
        return value
    return None
