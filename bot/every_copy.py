"""Every store that holds a copy of a conversation, registered with the erase and retention hooks.

The processes that erase or purge call :func:`register_every_store` before they do: the Rasa
process (its tracker store erases at the citizen's request) and the retention job (``make purge``).
Each package knows how to forget its own rows; only this module knows every package, so privacy
needs none of them.
"""

from __future__ import annotations

from bot.channels import erasure as channel_erasure
from bot.handoff import erasure as handoff_erasure
from bot.review import erasure as review_erasure


def register_every_store() -> None:
    """Handoffs (transcript, callback number), review items, channel bookkeeping (idempotent)."""
    handoff_erasure.register()
    review_erasure.register()
    channel_erasure.register()
