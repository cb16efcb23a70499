"""The handoff queue on real SQLite and PostgreSQL: order, places, waits, claims, outbox, erase."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from bot.handoff.models import Handoff, HandoffMessage
from bot.handoff.store import DEFAULT_HANDLING_MINUTES, HandoffStore
from tests.handoff_db import handoff_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    with handoff_database(request.param, tmp_path) as url:
        yield HandoffStore(url)


def _queue(store: HandoffStore, conversation: str, priority: str = "normal", at: float = 1000.0, **kw):
    values = dict(
        conversation_id=conversation, channel="rest", language="fr", topic="social_aid", priority=priority,
        consent_scope="summary", summary={"topic": "social_aid"}, now=at,
    )  # fmt: skip
    values.update(kw)
    return store.create(**values)


def test_queue_is_sorted_by_priority_then_waiting_time(store):
    normal_old = _queue(store, "a", "normal", at=100)
    urgent_new = _queue(store, "b", "urgent", at=300)
    high = _queue(store, "c", "high", at=200)
    normal_new = _queue(store, "d", "normal", at=400)
    assert [h.id for h in store.queue()] == [urgent_new.id, high.id, normal_old.id, normal_new.id]
    assert store.queue_place(normal_new.id).position == 4
    assert store.queue_place(urgent_new.id).position == 1


def test_wait_estimate_uses_recent_handling_times_and_staff_online(store):
    first = _queue(store, "a", at=time.time() - 100)
    second = _queue(store, "b", at=time.time() - 50)
    assert store.queue_place(second.id).wait_minutes == 2 * DEFAULT_HANDLING_MINUTES
    worker = store.add_staff("amina", "Amina", "x", "caseworker")
    store.claim(first.id, worker.id, now=time.time() - 238)
    store.close(first.id, worker.id, "informed")  # handled in about 4 minutes
    assert store.queue_place(second.id).position == 1
    assert store.queue_place(second.id).wait_minutes == 4
    other = store.add_staff("karim", "Karim", "x", "caseworker")
    third = _queue(store, "c", at=time.time())
    store.touch_staff(worker.id)
    store.touch_staff(other.id)
    assert store.staff_online() == 2
    assert store.queue_place(third.id).wait_minutes == 4  # position 2 × 4 min / 2 people


def test_exactly_one_of_simultaneous_claims_wins(store):
    handoff = _queue(store, "race")
    staff = [store.add_staff(f"cw{i}", f"CW {i}", "x", "caseworker").id for i in range(8)]
    barrier = threading.Barrier(len(staff))
    results: list[bool] = []

    def claim(staff_id: int) -> None:
        barrier.wait()
        results.append(store.claim(handoff.id, staff_id))

    threads = [threading.Thread(target=claim, args=(s,)) for s in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert store.get(handoff.id).claimed_by in staff


def test_only_the_holder_replies_and_replies_wait_in_the_outbox(store):
    handoff = _queue(store, "outbox")
    holder = store.add_staff("holder", "Holder", "x", "caseworker")
    other = store.add_staff("other", "Other", "x", "caseworker")
    assert store.add_caseworker_message(handoff.id, holder.id, "too early") is None  # not claimed yet
    store.claim(handoff.id, holder.id)
    assert store.add_caseworker_message(handoff.id, other.id, "not mine") is None
    reply = store.add_caseworker_message(handoff.id, holder.id, "Bonjour, je suis là.")
    pending = [m.text for m, _ in store.undelivered() if m.author == "caseworker"]
    assert pending == ["Bonjour, je suis là."]
    store.mark_delivered(reply.id, delivered=True)
    assert [m.text for m, _ in store.undelivered() if m.author == "caseworker"] == []


def test_transcript_history_is_copied_only_with_consent_to_share_everything(store):
    history = [("citizen", "my phone is 0612345678", 1.0), ("bot", "ok", 2.0)]
    summary_only = _queue(store, "s", consent_scope="summary", history=history)
    everything = _queue(store, "f", consent_scope="full", history=history)
    assert store.messages(summary_only.id) == []
    assert [(m.author, m.text, m.history) for m in store.messages(everything.id)] == [
        ("citizen", "my phone is 0612345678", True),
        ("bot", "ok", True),
    ]


def test_danger_during_a_handoff_raises_the_alert(store):
    handoff = _queue(store, "alert")
    store.add_citizen_message(handoff.id, "merci")
    assert store.get(handoff.id).alert_at is None
    store.add_citizen_message(handoff.id, "il arrive avec un couteau", alert=True)
    assert store.get(handoff.id).alert_at is not None
    assert [m.alert for m in store.messages(handoff.id)] == [False, True]


def test_erase_removes_every_handoff_of_the_conversation_and_nothing_else(store):
    mine = _queue(store, "erase-me", consent_scope="full", history=[("citizen", "secret", 1.0)])
    _queue(store, "erase-me", kind="callback", callback_phone=b"token")
    kept = _queue(store, "someone-else")
    store.add_citizen_message(mine.id, "more secret")
    assert store.erase_conversation("erase-me", "telegram") == 2
    assert store.get(mine.id) is None
    assert store.messages(mine.id) == []
    assert store.get(kept.id) is not None
    assert store.open_for("erase-me") is None


def test_retention_purges_handoffs_idle_past_their_period_open_or_closed(store):
    day = 86400
    now = time.time()
    worker = store.add_staff("w", "W", "x", "caseworker")
    old_violence = _queue(store, "v", "urgent", at=now - 40 * day, topic="violence_support")
    old_aid = _queue(store, "a", at=now - 40 * day)
    for handoff in (old_violence, old_aid):
        store.claim(handoff.id, worker.id, now=now - 39 * day)
        store.close(handoff.id, worker.id, "informed")
    with store.sessions.begin() as session:  # closed long ago, with its notices
        session.execute(
            sa.update(Handoff).where(Handoff.id == old_violence.id).values(closed_at=now - 39 * day)
        )
        session.execute(
            sa.update(HandoffMessage)
            .where(HandoffMessage.handoff_id == old_violence.id)
            .values(created_at=now - 39 * day)
        )
    forgotten_callback = _queue(store, "o", "urgent", at=now - 40 * day, topic="violence_support",
                                kind="callback", callback_phone=b"encrypted")  # fmt: skip
    idle_claim = _queue(store, "i", "urgent", at=now - 40 * day, topic="violence_support")
    store.claim(idle_claim.id, worker.id, now=now - 39 * day)
    active_claim = _queue(store, "c", "urgent", at=now - 40 * day, topic="violence_support")
    store.claim(active_claim.id, worker.id, now=now - 39 * day)
    store.add_citizen_message(active_claim.id, "still talking")  # a line today: still in use
    purged = store.purge_before(now - 30 * day, now - 180 * day, ["violence_support", "emergency"])
    assert purged == 3
    for gone in (old_violence, forgotten_callback, idle_claim):
        assert store.get(gone.id) is None
        assert store.messages(gone.id) == []
    assert store.get(old_aid.id) is not None  # 40 days < 180
    assert store.get(active_claim.id) is not None
    assert "still talking" in [m.text for m in store.messages(active_claim.id)]
