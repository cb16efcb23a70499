"""Review queue collection on real SQLite and PostgreSQL, from real tracker-store events.

Each kind of misunderstood message is collected from conversations whose citizen agreed to help
improve the assistant (the consent rules themselves: tests/test_review_consent.py); erased and
expired conversations leave nothing behind; texts are redacted; running again adds nothing.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import sqlalchemy as sa

from bot.privacy.conversation_hash import conversation_hash
from bot.privacy.retention import DAY, RetentionPolicy, purge
from bot.review.collect import collect, default_encoder
from bot.review.erasure import purge_review_items
from bot.review.models import ReviewItem
from bot.review.rules import candidates, is_yes_no_question
from bot.review.settings import ReviewSettings
from bot.review.store import ReviewStore
from tests.handoff_db import handoff_database
from tests.review_support import action, agreed, bot, erase, save, slot, tracker_store, user, withdrew

POLICY = RetentionPolicy.load()
SETTINGS = ReviewSettings.load()


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request, tmp_path, monkeypatch):
    """A tracker store and a handoff database of the same kind; erase hooks use that handoff database."""
    with (
        tracker_store(request.param, tmp_path) as (store, tracker_url),
        handoff_database(request.param, tmp_path) as handoff_url,
    ):
        monkeypatch.setenv("HANDOFF_DB_URL", handoff_url)
        monkeypatch.setenv("REVIEW_SALT", "test-salt")
        review = ReviewStore(handoff_url)
        yield store, tracker_url, review
        review.sessions.kw["bind"].dispose()


@pytest.fixture(scope="module")
def encoder():
    return default_encoder()


def _run(env, encoder, now=None):
    _store, url, review = env
    return collect(review, url, POLICY, SETTINGS, encoder, now=now)


def _items(review: ReviewStore, sender: str | None = None) -> list[ReviewItem]:
    with review.sessions() as session:
        query = sa.select(ReviewItem).order_by(ReviewItem.event_id)
        if sender:
            query = query.where(ReviewItem.conversation_hash == conversation_hash(sender))
        return list(session.scalars(query))


def test_each_kind_is_collected_with_what_the_nlu_detected(env, encoder):
    store, _url, review = env
    fallback = save(store, [agreed(), user("kifach ndir l'ma3louma dyal 0612345678", "nlu_fallback", 0.45,
                                 [("nlu_fallback", 0.45), ("social_aid", 0.31), ("disability_card", 0.2)],
                                 language="ary", script="Latn"), *bot("utter_fallback_human")])  # fmt: skip
    low = save(store, [agreed(), user("واش كاين شي دعم للأرامل", "social_aid", 0.52, [("social_aid", 0.52), ("women_empowerment", 0.4)],
                            language="ary", script="Arab"), *bot("utter_social_aid")])  # fmt: skip
    denied = save(store, [agreed(), user("je cherche un travail pour mon fils handicapé", "disability_card", 0.9),
                          *bot("utter_disability_card"), user("non", "deny", 0.97), *bot("utter_how_can_help")])  # fmt: skip
    handed = save(store, [agreed(), user("hello", "greet", 0.99), user("ma fhemtch chno khassni ndir", "social_aid", 0.8,
                                                              language="ary"),
                          *bot("utter_social_aid"), user("bghit nhder m3a chi wa7ed", "talk_to_human", 0.99),
                          action("action_handoff"), slot("handoff_active", True),
                          user("rani tal3a liya dem", "nlu_fallback", 0.45), slot("handoff_active", False)])  # fmt: skip
    report = _run(env, encoder)
    assert report.collected == 4

    (item,) = _items(review, fallback)
    assert item.reasons == "fallback" and item.status == "pending"
    assert item.text == "kifach ndir l'ma3louma dyal [phone]", "stored redacted"
    assert (item.intent, item.confidence) == ("social_aid", pytest.approx(0.31))
    assert item.ranking[0] == ["social_aid", pytest.approx(0.31)] and (item.language, item.script) == (
        "ary",
        "Latn",
    )
    vector = np.frombuffer(item.embedding, dtype=np.float32)
    assert vector.shape == (512,) and abs(np.linalg.norm(vector) - 1) < 1e-3

    (item,) = _items(review, low)
    assert (item.reasons, item.intent, item.script) == ("low_confidence", "social_aid", "Arab")
    (item,) = _items(review, denied)
    assert (item.reasons, item.text) == ("denied", "je cherche un travail pour mon fils handicapé")
    (item,) = _items(review, handed)
    assert item.reasons == "handoff" and item.text == "ma fhemtch chno khassni ndir", (
        "the greeting, the request itself and what the caseworker read are not collected"
    )


def test_no_sender_id_is_stored(env, encoder):
    store, _url, review = env
    sender = save(store, [agreed(), user("blabla xyz", "nlu_fallback", 0.4)])
    _run(env, encoder)
    with review.sessions() as session:
        rows = session.execute(sa.select(ReviewItem.__table__)).all()
    assert rows and all(sender not in repr(tuple(row)) for row in rows)


def test_no_after_a_yes_no_question_is_an_answer_not_a_correction(env, encoder):
    store, _url, review = env
    after_confirm = save(store, [agreed(), user("امسح كلشي", "delete_my_data", 0.95, language="ary", script="Arab"),
                                 *bot("utter_delete_confirm"), user("لا", "deny", 0.99)])  # fmt: skip
    after_buttons = save(store, [agreed(), user("راجلي كيضربني", "social_aid", 0.9), *bot("utter_social_aid", [
        {"title": "yes", "payload": "/affirm"}, {"title": "no", "payload": "/deny"}]), user("non", "deny")])  # fmt: skip
    _run(env, encoder)
    assert _items(review, after_confirm) == [] and _items(review, after_buttons) == []


def test_running_again_adds_no_duplicates(env, encoder):
    store, _url, review = env
    sender = save(store, [agreed(), user("chi haja ma fhemtha", "nlu_fallback", 0.3)])
    assert _run(env, encoder).collected == 1
    assert _run(env, encoder).collected == 0
    save(store, [agreed(), user("wa7ed akhor", "nlu_fallback", 0.3)], sender)
    assert _run(env, encoder).collected == 1
    assert len(_items(review, sender)) == 2


def test_a_sensitive_conversation_with_the_agreement_keeps_the_sensitive_retention(env, encoder):
    store, _url, review = env
    consented = save(store, [agreed(), user("راجلي كيضربني", "violence_support", 0.9),
                             user("واش نقدر نمشي عند ماما", "nlu_fallback", 0.3),
                             user("bghit nhder m3a chi wa7ed", "talk_to_human")])  # fmt: skip
    _run(env, encoder)
    assert [(i.text, i.reasons) for i in _items(review, consented)] == [
        ("راجلي كيضربني", "handoff"), ("واش نقدر نمشي عند ماما", "fallback,handoff")]  # fmt: skip
    stamp = _items(review, consented)[0]
    assert stamp.expires_at == pytest.approx(time.time() + POLICY.sensitive_days * DAY, abs=120)


def test_a_later_withdrawal_removes_the_items_at_the_next_run(env, encoder):
    store, _url, review = env
    sender = save(store, [agreed(), user("ma fhemtch", "nlu_fallback", 0.3)])
    _run(env, encoder)
    assert len(_items(review, sender)) == 1
    save(store, [withdrew()], sender)
    report = _run(env, encoder)
    assert _items(review, sender) == [] and report.removed >= 1


def test_erased_conversation_items_are_deleted_by_the_erase_hook(env, encoder):
    store, _url, review = env
    sender = save(store, [agreed(), user("ma fhemtch", "nlu_fallback", 0.3)])
    other = save(store, [agreed(), user("hadi ma fhemtich", "nlu_fallback", 0.3)])
    _run(env, encoder)
    erase(store, sender)
    assert _items(review, sender) == [], "deleted at once by the erase hook, before any new run"
    assert len(_items(review, other)) == 1
    _run(env, encoder)
    assert _items(review, sender) == [], "an erased conversation is never collected again"


def test_a_collection_run_also_drops_expired_items(env, encoder):
    store, _url, review = env
    now = time.time()
    sender = save(
        store, [agreed(now - 170 * DAY), user("ma fhemtch", "nlu_fallback", 0.3, stamp=now - 170 * DAY)]
    )
    _run(env, encoder, now=now)
    assert _run(env, encoder, now=now + 11 * DAY).expired == 1 and _items(review, sender) == []


def test_items_of_conversations_gone_from_the_tracker_store_are_removed(env, encoder):
    store, _url, review = env
    sender = save(store, [agreed(), user("ma fhemtch", "nlu_fallback", 0.3)])
    _run(env, encoder)
    with store.session_scope() as session:  # deleted behind the hook's back (e.g. another purge tool)
        session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).delete()
        session.commit()
    assert _run(env, encoder).removed == 1 and _items(review, sender) == []


def test_retention_periods_apply_to_items(env, encoder):
    store, url, review = env
    now = time.time()
    old = now - 170 * DAY
    sender = save(store, [agreed(old), user("ma fhemtch", "nlu_fallback", 0.3, stamp=old)])
    ancient = save(
        store, [agreed(now - 200 * DAY), user("ma fhemtch walou", "nlu_fallback", 0.3, stamp=now - 200 * DAY)]
    )
    _run(env, encoder, now=now)
    (item,) = _items(review, sender)
    assert item.expires_at == pytest.approx(old + POLICY.default_days * DAY)
    assert _items(review, ancient) == [], "already past retention: not collected"
    # eleven days later the conversation is past 180 days: `make purge` removes the item (so would a collection run)
    assert purge_review_items(now=now + 10 * DAY) == 0
    assert purge_review_items(now=now + 11 * DAY) == 1
    assert _items(review, sender) == []
    purge(url, POLICY, now=now + 11 * DAY)
    assert _run(env, encoder, now=now + 11 * DAY).collected == 0


def test_rules_without_database():
    events = [
        {"id": 1, "event": "user", "text": "/greet", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"id": 2, "event": "user", "text": "  ", "parse_data": {"intent": {"name": "nlu_fallback"}}},
    ]
    assert candidates(events, SETTINGS) == [], "button payloads and empty texts are never collected"
    assert is_yes_no_question({"metadata": {"utter_action": "utter_ask_age"}}, SETTINGS)
    assert not is_yes_no_question({"metadata": {"utter_action": "utter_social_aid"}}, SETTINGS)
