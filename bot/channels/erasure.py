"""How the channel database forgets a conversation: on an erase, with a purge, and past its use.

A Telegram erase confirmed in the chat goes through the channel's own hook (bot/channels/telegram.py),
which first deletes the messages on the phone. Registered by :func:`register` in the processes that
erase or purge (:mod:`bot.every_copy`).
"""

from __future__ import annotations

from typing import Sequence

from bot.channels.store import channel_store
from bot.privacy.erase_hooks import CopyHolder, register_copy_holder, register_erase_hook
from bot.privacy.retention import RetentionPolicy

WHATSAPP_PREFIX = "wa-"


def erase_whatsapp_bookkeeping(sender_id: str, channel: str | None) -> None:
    """Erase hook, whatever channel is enabled in this process: the rows are in the shared database."""
    if sender_id.startswith(WHATSAPP_PREFIX):
        channel_store().forget_conversation(sender_id)


def forget_channel_rows(sender_ids: Sequence[str], _handoff_url: str | None = None) -> int:
    """Deletes the bookkeeping of purged conversations; returns how many rows went."""
    store = channel_store()
    return sum(store.forget_conversation(sender_id) for sender_id in sender_ids)


def purge_channel_bookkeeping(url: str | None = None) -> dict[str, int]:
    """Prunes the channel database (also when no webhook arrives to prune it)."""
    return channel_store(url).prune()


def _prune(_policy: RetentionPolicy, _handoff_url: str | None, _now: float | None) -> int:
    return sum(purge_channel_bookkeeping().values())


def register() -> None:
    """Adds the channel database to what an erase and retention empty."""
    register_erase_hook(erase_whatsapp_bookkeeping)
    register_copy_holder(
        "channel_rows",
        CopyHolder(
            copies="channel row(s)",
            forget=forget_channel_rows,
            idle="channel row(s) past their use (message ids, contact times, payloads)",
            purge_idle=_prune,
        ),
    )
