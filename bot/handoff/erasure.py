"""How the handoff store forgets a conversation: on an erase, with a purge, and when idle.

Registered by :func:`register` in the processes that erase or purge (:mod:`bot.every_copy`).
"""

from __future__ import annotations

import time
from typing import Sequence

from bot.handoff.store import HandoffStore
from bot.privacy.erase_hooks import CopyHolder, register_copy_holder, register_erase_hook
from bot.privacy.retention import DAY, RetentionPolicy


def erase_handoffs(sender_id: str, channel: str | None) -> None:
    """Erase hook: the handoff record and its transcript and callback number go too."""
    HandoffStore().erase_conversation(sender_id, channel)


def forget_handoffs(sender_ids: Sequence[str], url: str | None = None) -> int:
    """Deletes the handoffs of purged conversations; returns how many went."""
    store = HandoffStore(url)
    return sum(store.erase_conversation(sender_id, None, "retention_purge") for sender_id in sender_ids)


def purge_handoffs(policy: RetentionPolicy, url: str | None = None, now: float | None = None) -> int:
    """Deletes handoffs, open or closed, idle past the same retention periods (with transcripts)."""
    now = time.time() if now is None else now
    return HandoffStore(url).purge_before(
        now - policy.sensitive_days * DAY, now - policy.default_days * DAY, policy.sensitive_intents
    )


def register() -> None:
    """Adds the handoff store to what an erase and retention empty."""
    register_erase_hook(erase_handoffs)
    register_copy_holder(
        "handoffs",
        CopyHolder(
            copies="handoff(s)",
            forget=forget_handoffs,
            idle="idle handoff(s) with their transcripts",
            purge_idle=purge_handoffs,
        ),
    )
