"""Callbacks run after a conversation is erased or purged, so every store forgets its copies too.

The tracker store erases the stored events; other stores keep more (handoffs with their
transcripts, review items, channel bookkeeping; Telegram: the chat's messages on the citizen's
phone). Each package registers its own hooks here, and the process that erases or purges
registers every package first (:mod:`bot.every_copy`): privacy never imports the stores it
empties. The tracker store calls :func:`run_erase_hooks` after an erase.
A hook gets ``(sender_id, channel)`` and may be a coroutine function: it then runs as a task on
the running event loop (the store erases from inside Rasa's ``save``), so a slow messaging API
never delays the reply. A failing hook is logged and never undoes or blocks the erase.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Sequence

logger = logging.getLogger(__name__)

EraseHook = Callable[[str, str | None], Awaitable[Any] | None]
_hooks: list[EraseHook] = []
_running: set[asyncio.Task] = set()


def register_erase_hook(hook: EraseHook) -> None:
    """Adds ``hook`` (once, however often a channel is created)."""
    if hook not in _hooks:
        _hooks.append(hook)


def unregister_erase_hook(hook: EraseHook) -> None:
    """Removes ``hook`` if registered (tests, channel shutdown)."""
    if hook in _hooks:
        _hooks.remove(hook)


async def _guarded(awaitable: Awaitable[Any], name: str) -> None:
    try:
        await awaitable
    except Exception as error:  # a hook must never break the erase
        logger.error("Erase hook %s failed: %s", name, type(error).__name__)


def run_erase_hooks(sender_id: str, channel: str | None) -> list[asyncio.Task]:
    """Calls every hook; returns the tasks started for asynchronous hooks (awaitable by callers)."""
    tasks = []
    for hook in list(_hooks):
        name = getattr(hook, "__qualname__", repr(hook))
        try:
            result = hook(sender_id, channel)
        except Exception as error:
            logger.error("Erase hook %s failed: %s", name, type(error).__name__)
            continue
        if not inspect.isawaitable(result):
            continue
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside an event loop (a command-line tool)
            asyncio.run(_guarded(result, name))
            continue
        task = loop.create_task(_guarded(result, name))
        _running.add(task)
        task.add_done_callback(_running.discard)
        tasks.append(task)
    return tasks


@dataclass(frozen=True)
class CopyHolder:
    """A store outside the tracker store that holds copies of conversations, as retention sees it.

    ``forget`` deletes the copies of the purged conversations ``(sender_ids, handoff_db_url)``;
    ``purge_idle`` deletes what is past its own retention ``(policy, handoff_db_url, now)``, the
    policy being a :class:`bot.privacy.retention.RetentionPolicy` (not imported: retention uses this). Both
    return how many rows went; ``copies`` and ``idle`` say what was counted, for ``make purge``.
    """

    copies: str
    forget: Callable[[Sequence[str], str | None], int]
    idle: str
    purge_idle: Callable[[Any, str | None, float | None], int]


_holders: dict[str, CopyHolder] = {}


def register_copy_holder(name: str, holder: CopyHolder) -> None:
    """Adds (or replaces) the store ``name`` in what retention empties."""
    _holders[name] = holder


def copy_holders() -> dict[str, CopyHolder]:
    """The registered stores by name, in registration order."""
    return dict(_holders)
