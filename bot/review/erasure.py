"""How the review queue forgets a conversation: on an erase, with a purge, and when expired.

Registered by :func:`register` in the processes that erase or purge (:mod:`bot.every_copy`).
"""

from __future__ import annotations

from typing import Sequence

from bot.privacy.conversation_hash import conversation_hash
from bot.privacy.erase_hooks import CopyHolder, register_copy_holder, register_erase_hook
from bot.privacy.retention import RetentionPolicy
from bot.review.collect import erase_review_items
from bot.review.store import ReviewStore


def forget_review_items(sender_ids: Sequence[str], url: str | None = None) -> int:
    """Deletes the review items of purged conversations; returns how many went."""
    store = ReviewStore(url)
    return sum(store.delete_conversation(conversation_hash(sender_id)) for sender_id in sender_ids)


def purge_review_items(url: str | None = None, now: float | None = None) -> int:
    """Deletes review-queue items past their conversation's retention period."""
    return ReviewStore(url).purge_expired(now)


def _purge_expired(_policy: RetentionPolicy, url: str | None, now: float | None) -> int:
    return purge_review_items(url, now)  # each item carries its own expiry


def register() -> None:
    """Adds the review queue to what an erase and retention empty."""
    register_erase_hook(erase_review_items)
    register_copy_holder(
        "review_items",
        CopyHolder(
            copies="review item(s)",
            forget=forget_review_items,
            idle="review item(s) past their conversation's retention",
            purge_idle=_purge_expired,
        ),
    )
