"""The consent actions themselves (the classes the action server runs), on a real handoff database:
when the question is asked, which answers record an agreement, and a withdrawal emptying the queue."""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.improve_consent import ActionImproveConsent, ActionOfferImproveConsent, is_calm
from bot.privacy.conversation_hash import conversation_hash
from bot.review.models import ReviewItem
from bot.review.store import ReviewStore

QUESTION = "utter_improve_consent_question"


def _user(text: str, intent: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "text": text}}


def _bot(response: str) -> dict:
    return {"event": "bot", "text": "…", "metadata": {"utter_action": response}}


def _tracker(events: list[dict], slots: dict | None = None, sender: str = "citizen-1") -> Tracker:
    latest = next((e for e in reversed(events) if e["event"] == "user"), {})
    return Tracker(sender, slots or {}, latest.get("parse_data", {}) | {"text": latest.get("text")}, events, False,
                   None, {}, "action_listen")  # fmt: skip


def _run(action, tracker: Tracker) -> tuple[list[str], dict]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return [m.get("response") for m in dispatcher.messages], {e["name"]: e["value"] for e in events}


CALM = [_user("kifach ndir l carte", "disability_card"), _bot("utter_disability_card"), _user("bslama", "goodbye"),
        _bot("utter_goodbye")]  # fmt: skip


def test_the_question_is_asked_once_in_a_calm_conversation():
    assert _run(ActionOfferImproveConsent(), _tracker(CALM)) == ([QUESTION], {"improve_consent_asked": True})
    assert _run(ActionOfferImproveConsent(), _tracker(CALM, {"improve_consent_asked": True})) == ([], {})
    assert _run(ActionOfferImproveConsent(), _tracker(CALM, {"improve_consent": False})) == ([], {})


@pytest.mark.parametrize(
    ("events", "slots"),
    [
        ([_user("خايفة", "emergency"), *CALM], {}),
        ([_user("راجلي كيضربني", "violence_support"), *CALM], {}),
        ([_user("chno homa l7o9o9 dyali", "ask_violence_rights"), *CALM], {}),
        ([_user("wlidi", "child_protection"), *CALM], {}),
        ([_user("bghit nhder m3a chi wa7ed", "talk_to_human"), *CALM], {}),
        ([_user("msa7", "delete_my_data"), *CALM], {}),
        ([{"event": "action", "name": "action_offer_callback"}, *CALM], {}),
        (CALM, {"share_scope": "full"}),
        (CALM, {"handoff_active": True}),
    ],
)
def test_never_asked_in_a_sensitive_conversation(events, slots):
    assert not is_calm(events, slots)
    assert _run(ActionOfferImproveConsent(), _tracker(events, slots)) == ([], {})


def test_an_agreement_needs_the_question_just_before_it():
    asked = [*CALM, _bot(QUESTION)]
    button = _run(ActionImproveConsent(), _tracker([*asked, _user("/improve_opt_in", "improve_opt_in")]))
    assert button == (
        ["utter_improve_consent_given"],
        {"improve_consent": True, "improve_consent_asked": True},
    )
    typed_yes = _run(ActionImproveConsent(), _tracker([*asked, _user("ah", "affirm")]))
    assert typed_yes[1]["improve_consent"] is True
    typed = _run(
        ActionImproveConsent(), _tracker([*CALM, _user("sta3mlo lmessageat dyali", "improve_opt_in")])
    )
    assert typed == ([QUESTION], {"improve_consent_asked": True}), "words first show what she would agree to"
    stale = _run(ActionImproveConsent(), _tracker([*CALM, _user("/improve_opt_in", "improve_opt_in")]))
    assert "improve_consent" not in stale[1]
    nothing_asked = _run(ActionImproveConsent(), _tracker([*CALM, _user("ah", "affirm")]))
    assert nothing_asked == (["utter_how_can_help"], {})


def test_no_and_withdrawal(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    monkeypatch.setenv("REVIEW_SALT", "action-salt")
    review = ReviewStore(url)
    now = time.time()
    with review.sessions.begin() as session:
        for event_id, sender in ((1, "citizen-1"), (2, "citizen-1"), (3, "citizen-2")):
            session.add(ReviewItem(conversation_hash=conversation_hash(sender), event_id=event_id, text="x",
                                   reasons="fallback", ranking=[], said_at=now, collected_at=now,
                                   expires_at=now + 1000, status="pending"))  # fmt: skip
    declined = _run(ActionImproveConsent(), _tracker([*CALM, _bot(QUESTION), _user("la", "deny")]))
    assert declined == (
        ["utter_improve_consent_revoked"],
        {"improve_consent": False, "improve_consent_asked": True},
    )
    assert [i.conversation_hash for i in review.pending()] == [conversation_hash("citizen-2")], (
        "hers went at once"
    )
    again = _run(ActionImproveConsent(), _tracker([_user("n'utilisez plus mes messages", "improve_opt_out")]))
    assert again[0] == ["utter_improve_consent_declined"], "nothing was agreed or queued: a plain no"
    withdrawn = _run(ActionImproveConsent(), _tracker([_user("stop", "improve_opt_out")], {"improve_consent": True},
                                                      sender="citizen-2"))  # fmt: skip
    assert withdrawn[0] == ["utter_improve_consent_revoked"] and review.pending() == []
