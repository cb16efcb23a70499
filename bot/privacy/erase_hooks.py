"""Callbacks run after a conversation is erased, so channels can erase what they hold too.

The tracker store erases the stored events; a channel may keep more (Telegram: the chat's
messages on the citizen's phone, message ids; WhatsApp: the time of the last message). Each
channel registers one hook at start-up; the store calls :func:`run_erase_hooks` after an erase.
A hook gets ``(sender_id, channel)`` and may be a coroutine function: it then runs as a task on
the running event loop (the store erases from inside Rasa's ``save``), so a slow messaging API
never delays the reply. A failing hook is logged and never undoes or blocks the erase.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Awaitable, Callable

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
