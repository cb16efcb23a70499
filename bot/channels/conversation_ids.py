"""Which channel a conversation belongs to, from its id.

Every channel builds its conversation ids here, and every channel that lets a client name a
conversation checks the name here. Telegram, WhatsApp and the web chat own a prefix each; their ids
are built by the server from what the platform or the server itself vouches for (a Telegram chat
id, a signed WhatsApp sender, a server-issued web-chat session). The REST channel's clients choose
their own ids, so it refuses every reserved prefix: no client of one channel can write into, read
or erase a conversation of another.
"""

from __future__ import annotations

TELEGRAM = "telegram"
WHATSAPP = "whatsapp"
WEBCHAT = "webchat"

#: Prefix of each channel that owns its conversation ids (REST owns every id without one of these).
CHANNEL_PREFIXES: dict[str, str] = {TELEGRAM: "tg-", WHATSAPP: "wa-", WEBCHAT: "web-"}
RESERVED_PREFIXES: tuple[str, ...] = tuple(CHANNEL_PREFIXES.values())


def conversation_id(channel: str, local_id: str | int) -> str:
    """The conversation id of ``local_id`` on ``channel`` (e.g. ``tg-123``)."""
    return f"{CHANNEL_PREFIXES[channel]}{local_id}"


def belongs_to(channel: str, conversation: str) -> bool:
    """True when ``conversation`` is an id of ``channel``."""
    return isinstance(conversation, str) and conversation.startswith(CHANNEL_PREFIXES[channel])


def local_id(channel: str, conversation: str) -> str:
    """The part after ``channel``'s prefix (``ValueError`` for another channel's id)."""
    if not belongs_to(channel, conversation):
        raise ValueError(f"not a {channel} conversation id")
    return conversation[len(CHANNEL_PREFIXES[channel]) :]


def is_reserved(client_chosen_id: str) -> bool:
    """True when a client-chosen id would name a conversation owned by a prefixed channel.

    Compared without case and surrounding space, so ``" WA-…"`` is refused as well as ``wa-…``.
    """
    return client_chosen_id.strip().lower().startswith(RESERVED_PREFIXES)
