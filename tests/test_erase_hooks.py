"""After an erase, every registered channel hook runs, and none can break the erase."""

import asyncio

from rasa.shared.core.domain import Domain

from bot.privacy.erase_hooks import register_erase_hook, run_erase_hooks, unregister_erase_hook
from bot.rasa_extensions.erasing_tracker_store import ErasingSQLTrackerStore
from tests.test_erasing_tracker_store import _confirm_erase, _conversation

DOMAIN = Domain.load("domain.yml")


def test_sync_and_async_hooks_run_and_a_failing_one_is_contained():
    calls = []

    def sync_hook(sender, channel):
        calls.append(("sync", sender, channel))

    async def async_hook(sender, channel):
        await asyncio.sleep(0)
        calls.append(("async", sender, channel))

    def broken(sender, channel):
        raise RuntimeError("boom")

    async def broken_async(sender, channel):
        raise RuntimeError("boom")

    for hook in (broken, sync_hook, broken_async, async_hook, sync_hook):
        register_erase_hook(hook)
    try:

        async def erase():
            await asyncio.gather(*run_erase_hooks("tg-1", "telegram"))

        asyncio.run(erase())
        run_erase_hooks("wa-2", None)  # outside an event loop: coroutines run to completion
    finally:
        for hook in (broken, sync_hook, broken_async, async_hook):
            unregister_erase_hook(hook)
    assert calls == [
        ("sync", "tg-1", "telegram"),
        ("async", "tg-1", "telegram"),
        ("sync", "wa-2", None),
        ("async", "wa-2", None),
    ]


def test_the_tracker_store_calls_the_hooks_with_the_conversation_and_its_channel(tmp_path):
    seen = []
    hook = lambda sender, channel: seen.append((sender, channel))  # noqa: E731
    register_erase_hook(hook)
    try:
        store = ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
        tracker = _conversation("tg-77")
        asyncio.run(store.save(tracker))
        assert seen == []
        _confirm_erase(tracker)
        asyncio.run(store.save(tracker))
    finally:
        unregister_erase_hook(hook)
    assert seen == [("tg-77", "rest")]
