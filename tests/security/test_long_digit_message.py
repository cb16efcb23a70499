"""A long run of digits typed into the callback form does not stall the other citizens."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.channel_clients import WebChatClient, post_json
from tests.security.conftest import stored_events, wait_for_user_messages

pytestmark = pytest.mark.server

#: 15,000 digits: the worst case for a phone-number pattern, as long as a web chat packet may be (the
#: channel refuses packets over 16 KiB), sent as the callback number again and again.
DIGITS = "0123456789" * 1500
ATTACK_MESSAGES = 4
#: Generous: an answer normally takes well under a second; a stalled server takes minutes.
CITIZEN_TIMEOUT = 20


def test_other_citizens_are_answered_while_digits_flood_the_callback_form(target):
    """Attack: repeat 15 k digits as the callback number so each turn re-scans the whole form history."""
    session = f"digits-{uuid.uuid4().hex[:8]}"
    attacker = WebChatClient(target.url, session)
    session = attacker.session_id  # the conversation the server opened
    try:
        for step, text in enumerate(
            [
                "Je voudrais parler à une personne, pas à un robot",
                '/inform{"share_scope": "summary"}',
                "/affirm",
            ]
        ):
            attacker.send(text)
            wait_for_user_messages(target, session, step + 1)
        assert _asked_for_the_number(target, session)
        for _ in range(ATTACK_MESSAGES):
            attacker.send(DIGITS)  # queued behind each other in the conversation's lock
            time.sleep(0.5)  # one packet per request: long polling would batch them past the 16 KiB limit
        time.sleep(2)  # the first flood message is being processed
        answered = []

        def citizen(index: int) -> None:
            for text in ("salam", "bghit nl9a markaz f Tanja"):
                status, body = _say(target, f"bystander-{index}-{uuid.uuid4().hex[:6]}", text)
                answered.append(status == 200 and body != b"[]")

        with ThreadPoolExecutor(max_workers=5) as pool:
            list(pool.map(citizen, range(5)))
        assert answered and all(answered), answered
        wait_for_user_messages(target, session, 3 + ATTACK_MESSAGES, timeout=300)
    finally:
        attacker.close()


def _asked_for_the_number(target, session: str) -> bool:
    slots = [e for e in stored_events(target, session) if e.get("event") == "slot"]
    return any(e.get("name") == "requested_slot" and e.get("value") == "callback_phone" for e in slots)


def _say(target, sender: str, text: str) -> tuple[int, bytes]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    try:
        return post_json(f"{target.url}/webhooks/rest/webhook", body, timeout=CITIZEN_TIMEOUT)
    except OSError:  # timed out: the server did not answer in time
        return 0, b""
