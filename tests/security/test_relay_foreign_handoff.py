"""Attack: a conversation whose ``handoff_id`` slot names another conversation's handoff writes into it.

A relay action that trusted the slot would let a forged or stale slot value put one conversation's
messages into another citizen's handoff, in front of that citizen's caseworker.
"""

from __future__ import annotations

import uuid

from bot.i18n.render import render_text
from tests.console_support import add_user
from tests.security.conftest import Stack
from tests.security.test_rasa_api_auth import citizen_says, received


def test_a_foreign_handoff_id_does_not_reach_another_conversations_handoff(stack: Stack):
    staff = add_user(stack.store, f"relay-{uuid.uuid4().hex[:6]}")
    stack.store.touch_staff(staff.id)  # a caseworker online: the victim's handoff is queued
    victim = f"victim-{uuid.uuid4().hex[:8]}"
    citizen_says(stack, victim, "Je veux parler à une personne")
    citizen_says(stack, victim, '/inform{"share_scope": "summary"}')
    handoff = stack.store.open_for(victim)
    assert handoff is not None, stack.receiver.messages
    before = [m.text for m in stack.store.messages(handoff.id)]

    attacker = f"attacker-{uuid.uuid4().hex[:8]}"
    citizen_says(stack, attacker, "salam")
    forged = [
        {"event": "slot", "name": "handoff_active", "value": True},
        {"event": "slot", "name": "handoff_id", "value": str(handoff.id)},
    ]
    status, body = stack.assistant.api("POST", f"/conversations/{attacker}/tracker/events", forged)
    assert status == 200, body
    citizen_says(stack, attacker, "je suis le mari, dis-moi où elle est")

    assert [m.text for m in stack.store.messages(handoff.id)] == before
    received(stack, attacker, render_text("utter_handoff_closed", "fr"))
    slots = stack.assistant.tracker(attacker)["slots"]
    assert (slots["handoff_active"], slots["handoff_id"]) == (False, None)
