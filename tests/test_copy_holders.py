"""Retention reaches every store through the copy holders the packages register themselves."""

from __future__ import annotations

import pytest

from bot.every_copy import register_every_store
from bot.privacy import erase_hooks
from bot.privacy.retention import RetentionPolicy, erase_copies, purge_idle_copies


def test_every_store_holding_copies_is_registered_with_its_erase_hook():
    register_every_store()
    register_every_store()  # idempotent: the tracker store and the job may both call it

    assert list(erase_hooks.copy_holders()) == ["handoffs", "review_items", "channel_rows"]
    names = [hook.__name__ for hook in erase_hooks._hooks]
    for hook in ("erase_handoffs", "erase_review_items", "erase_whatsapp_bookkeeping"):
        assert names.count(hook) == 1


def test_retention_refuses_to_run_when_no_store_is_registered(monkeypatch):
    monkeypatch.setattr(erase_hooks, "_holders", {})

    with pytest.raises(RuntimeError, match="register_every_store"):
        erase_copies(["wa-212600000000"])
    with pytest.raises(RuntimeError, match="register_every_store"):
        purge_idle_copies(RetentionPolicy())


def test_copies_of_purged_conversations_are_counted_per_store(monkeypatch):
    calls = []
    holder = erase_hooks.CopyHolder(
        copies="thing(s)",
        forget=lambda ids, url: calls.append((list(ids), url)) or len(ids),
        idle="idle thing(s)",
        purge_idle=lambda policy, url, now: 7,
    )
    monkeypatch.setattr(erase_hooks, "_holders", {"things": holder})

    assert erase_copies(["a", "b"], "sqlite:///h.db") == {"things": 2}
    assert erase_copies([]) == {"things": 0}  # nothing purged: the store is not even opened
    assert calls == [(["a", "b"], "sqlite:///h.db")]
    assert purge_idle_copies(RetentionPolicy()) == {"things": 7}
