"""Consent has one purpose: only the agreement to help improve the assistant feeds the review queue.

Real tracker stores (the project's class, SQLite and PostgreSQL), real collection runs into a real
handoff database; then the whole path through the running assistant (NLU, rules, action server):
the question at goodbye, the "yes" button, the items collected, "stop using my messages" removing
them at once.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from bot.privacy.conversation_hash import conversation_hash
from bot.privacy.retention import RetentionPolicy
from bot.review.collect import collect, default_encoder, revoke_review_items
from bot.review.models import ReviewItem
from bot.review.settings import ReviewSettings
from bot.review.store import ReviewStore
from tests.handoff_db import handoff_database
from tests.live_assistant import live_assistant
from tests.review_support import action, agreed, bot, save, slot, tracker_store, user, withdrew

POLICY = RetentionPolicy.load()
SETTINGS = ReviewSettings.load()
MISUNDERSTOOD = "ma fhemtch chno khassni ndir m3a lwrak"


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request, tmp_path, monkeypatch):
    with (
        tracker_store(request.param, tmp_path) as (store, tracker_url),
        handoff_database(request.param, tmp_path) as handoff_url,
    ):
        monkeypatch.setenv("HANDOFF_DB_URL", handoff_url)
        monkeypatch.setenv("REVIEW_SALT", "consent-salt")
        review = ReviewStore(handoff_url)
        yield store, tracker_url, review, handoff_url
        review.sessions.kw["bind"].dispose()


@pytest.fixture(scope="module")
def encoder():
    return default_encoder()


def _run(env, encoder):
    _store, url, review, _handoff = env
    return collect(review, url, POLICY, SETTINGS, encoder)


def _items(review: ReviewStore, sender: str) -> list[ReviewItem]:
    with review.sessions() as session:
        query = sa.select(ReviewItem).where(ReviewItem.conversation_hash == conversation_hash(sender))
        return list(session.scalars(query.order_by(ReviewItem.event_id)))


def _violence_shared_with_caseworker(scope: str) -> list:
    """The issue's citizen: violence in Darija, a person, and a sharing choice for the caseworker."""
    return [
        user("راجلي كيضربني وما عرفتش فين نمشي", "violence_support", 0.93, language="ary", script="Arab"),
        *bot("utter_violence_support"),
        user("ما عندي فين نمشي أنا والدراري", "nlu_fallback", 0.35, language="ary", script="Arab"),
        *bot("utter_fallback_human"),
        user("بغيت نهضر مع شي واحد", "talk_to_human", 0.97, language="ary", script="Arab"),
        *bot("utter_ask_share_scope"),
        user(f'/inform{{"share_scope": "{scope}"}}', "inform"),
        slot("share_scope", scope),
        action("action_handoff"),
        slot("handoff_active", True),
    ]


def test_consent_given_only_to_the_caseworker_contributes_nothing(env, encoder):
    store, _url, review, _handoff = env
    full = save(store, _violence_shared_with_caseworker("full"))
    calm = save(store, [user(MISUNDERSTOOD, "nlu_fallback", 0.3, language="ary"), *bot("utter_fallback_human"),
                        user("bghit nhder m3a chi wa7ed", "talk_to_human"), slot("share_scope", "full"),
                        action("action_handoff")])  # fmt: skip
    report = _run(env, encoder)
    assert _items(review, full) == [] and _items(review, calm) == []
    assert report.collected == 0 and report.without_consent == 2


def test_a_conversation_that_agreed_to_help_improve_the_assistant_contributes(env, encoder):
    store, _url, review, _handoff = env
    sender = save(store, [user("smiti Khadija, kanskn f derb Sultan zan9a 12, " + MISUNDERSTOOD, "nlu_fallback",
                               0.3, language="ary"), *bot("utter_fallback_human"),
                          user("bslama", "goodbye"), *bot("utter_goodbye"), action("action_offer_improve_consent"),
                          user("/improve_opt_in", "improve_opt_in"), agreed()])  # fmt: skip
    assert _run(env, encoder).collected == 1
    (item,) = _items(review, sender)
    assert item.text == "smiti [name], kanskn f [place], " + MISUNDERSTOOD, "name and address hidden"
    assert item.status == "pending"


def test_revoking_removes_pending_items_at_once_and_for_good(env, encoder):
    store, _url, review, handoff_url = env
    sender = save(
        store, [agreed(), user(MISUNDERSTOOD, "nlu_fallback", 0.3), user("walou", "nlu_fallback", 0.3)]
    )
    other = save(store, [agreed(), user("chi haja khra ma fhemtha", "nlu_fallback", 0.3)])
    _run(env, encoder)
    assert len(_items(review, sender)) == 2
    assert revoke_review_items(sender, handoff_url) == 2, "the action's call, before any new run"
    assert _items(review, sender) == [] and len(_items(review, other)) == 1
    save(store, [withdrew()], sender)
    assert _run(env, encoder).collected == 0 and _items(review, sender) == [], "never collected again"


def test_agreeing_again_after_a_withdrawal_counts_only_the_latest_answer(env, encoder):
    store, _url, review, _handoff = env
    sender = save(store, [agreed(), withdrew(), user(MISUNDERSTOOD, "nlu_fallback", 0.3)])
    _run(env, encoder)
    assert _items(review, sender) == []
    save(store, [agreed()], sender)
    _run(env, encoder)
    assert len(_items(review, sender)) == 1


SENSITIVE_CHOICES = {
    "shared everything with the caseworker": _violence_shared_with_caseworker("full"),
    "shared a summary": _violence_shared_with_caseworker("summary"),
    "emergency, then a callback number": [
        user("rani f khatar daba", "emergency", 0.96, language="ary"), *bot("utter_emergency"),
        user(MISUNDERSTOOD, "nlu_fallback", 0.3), action("action_offer_callback"), action("callback_form"),
        slot("callback_phone", "[phone]")],
    "child protection, asked but never answered": [
        user("wlidi kaydrbouh f lmadrasa", "child_protection", 0.9), *bot("utter_child_protection"),
        user(MISUNDERSTOOD, "nlu_fallback", 0.3), slot("improve_consent_asked", True)],
    "a yes to something else": [
        user("خايفة", "emergency", 0.9), user(MISUNDERSTOOD, "nlu_fallback", 0.3),
        *bot("utter_delete_confirm"), user("/affirm", "affirm")],
    "said no": [
        user("راجلي كيضربني", "violence_support", 0.9), user(MISUNDERSTOOD, "nlu_fallback", 0.3),
        user("/improve_opt_out", "improve_opt_out"), withdrew()],
}  # fmt: skip


@pytest.mark.parametrize("choices", SENSITIVE_CHOICES, ids=list(SENSITIVE_CHOICES))
def test_a_sensitive_conversation_without_the_agreement_contributes_nothing(env, encoder, choices):
    store, _url, review, _handoff = env
    sender = save(store, SENSITIVE_CHOICES[choices])
    _run(env, encoder)
    assert _items(review, sender) == []


@pytest.mark.server
def test_through_the_running_assistant_ask_agree_collect_and_withdraw(tmp_path, encoder):
    """Question at goodbye only in a calm conversation, yes button, collection, withdrawal by words."""
    handoff_url = f"sqlite:///{tmp_path / 'handoff.db'}"
    with live_assistant(tmp_path, {"REVIEW_SALT": "e2e-consent-salt"}) as assistant:
        mp = pytest.MonkeyPatch()
        mp.setenv("REVIEW_SALT", "e2e-consent-salt")
        try:
            calm = f"calm-{uuid.uuid4().hex[:8]}"
            assistant.say(calm, "Comment obtenir la carte de handicap pour mon fils ?")
            assistant.say(calm, "xqzw plorf trukmab")  # not understood: worth a review
            replies = assistant.say(calm, "Au revoir, bonne journée à vous")
            payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
            assert payloads == ["/improve_opt_in", "/improve_opt_out"], replies
            assert "améliorer l'assistant" in replies[-1]["text"], "asked in plain words, in her language"
            assert _slot(assistant, calm, "improve_consent") is None, "asking records nothing"
            assistant.say(calm, "/improve_opt_in")
            assert _slot(assistant, calm, "improve_consent") is True
            again = assistant.say(calm, "Au revoir")
            assert not [b for r in again for b in r.get("buttons") or []], "asked once per conversation"

            violent = f"violent-{uuid.uuid4().hex[:8]}"
            assistant.say(violent, "راجلي كيضربني وخايفة منو")
            assistant.say(violent, "xqzw plorf trukmab")
            replies = assistant.say(violent, "بسلامة")
            assert not [b for r in replies for b in r.get("buttons") or [] if "improve" in b["payload"]], (
                replies
            )
            assistant.say(violent, "إيه")  # a yes after that goodbye agrees to nothing
            assert _slot(assistant, violent, "improve_consent") is None

            review = ReviewStore(handoff_url)
            collect(review, str(assistant.tracker_db), POLICY, SETTINGS, encoder)
            assert "xqzw plorf trukmab" in [i.text for i in _items(review, calm)]
            assert _items(review, violent) == []

            replies = assistant.say(calm, "n'utilisez plus mes messages")
            assert _slot(assistant, calm, "improve_consent") is False, replies
            assert _items(review, calm) == [], "removed at once by the action, before any new run"
            review.sessions.kw["bind"].dispose()
        finally:
            mp.undo()


def _slot(assistant, sender: str, name: str):
    return assistant.tracker(sender)["slots"].get(name)
