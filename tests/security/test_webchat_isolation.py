"""Attacks on the web chat (socket.io) against the real Rasa and action servers.

A web-chat client may only ever talk in the conversation the server issued to it: it cannot choose
another channel's conversation id (``wa-…``, ``tg-…``), another browser's conversation, or a forged
session token, and it cannot set intents or slots by typing a Rasa payload.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.security.webchat_client import WebChatClient, conversations_containing, dumps, user_texts

pytestmark = [pytest.mark.server, pytest.mark.model]


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.mark.parametrize("prefix", ["wa-2126", "tg-"])
def test_web_client_cannot_write_into_a_messaging_app_conversation(assistant, prefix):
    """Attack: a web-chat client asks for session ``wa-…``/``tg-…`` and writes into that citizen's conversation."""
    victim = f"{prefix}{uuid.uuid4().int % 10**8:08d}"
    marker = f"zq{uuid.uuid4().hex[:8]}"

    async def attack() -> tuple[object, list[dict]]:
        async with WebChatClient(assistant.url) as attacker:
            confirmed = await attacker.request_session(victim)
            replies = await attacker.say(f"salam {marker}", session_id=victim)
            return confirmed, replies

    confirmed, replies = run(attack())
    assert not any(marker in text for text in user_texts(assistant.tracker(victim)))
    assert victim not in conversations_containing(assistant.tracker_db, marker)
    assert confirmed != victim
    # The attacker was answered, in a web conversation of its own.
    assert replies and all(
        c.startswith("web-") for c in conversations_containing(assistant.tracker_db, marker)
    )


def test_web_client_cannot_join_another_browsers_conversation(assistant):
    """Attack: a web-chat client asks for another browser's conversation id, writes into it and reads its pushes."""
    marker, intruder_marker = f"zq{uuid.uuid4().hex[:8]}", f"zq{uuid.uuid4().hex[:8]}"

    async def attack() -> list[dict]:
        async with WebChatClient(assistant.url) as victim:
            token = await victim.request_session()
            await victim.say(f"salam {marker}", session_id=token)
            (conversation,) = conversations_containing(assistant.tracker_db, marker)
            async with WebChatClient(assistant.url) as attacker:
                confirmed = await attacker.request_session(conversation)
                await attacker.say(f"salam {intruder_marker}", session_id=conversation)
                victim_tracker = await asyncio.to_thread(assistant.tracker, conversation)
                assert not any(intruder_marker in text for text in user_texts(victim_tracker))
                assert confirmed != conversation
                seen_by_attacker = len(attacker.received)
                victim_before = len(victim.received)
                # A push to the victim's conversation (as a caseworker reply is delivered).
                await asyncio.to_thread(assistant.trigger_intent, conversation, "greet")
                await victim.wait(lambda: len(victim.received) > victim_before, "the pushed reply")
                await asyncio.sleep(1.0)
                return attacker.received[seen_by_attacker:]

    assert run(attack()) == []


def test_tampered_session_token_is_refused(assistant):
    """Attack: a web-chat client alters a session token (e.g. another browser's) and presents it as its own."""
    marker, intruder_marker = f"zq{uuid.uuid4().hex[:8]}", f"zq{uuid.uuid4().hex[:8]}"

    async def attack() -> tuple[str, str]:
        async with WebChatClient(assistant.url) as victim:
            token = await victim.request_session()
            await victim.say(f"salam {marker}", session_id=token)
        tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
        async with WebChatClient(assistant.url) as attacker:
            confirmed = await attacker.request_session(tampered)
            await attacker.say(f"salam {intruder_marker}", session_id=tampered)
        assert confirmed != tampered
        return tampered, confirmed

    run(attack())
    assert conversations_containing(assistant.tracker_db, marker).isdisjoint(
        conversations_containing(assistant.tracker_db, intruder_marker)
    )


def test_erase_from_web_chat_leaves_a_whatsapp_conversation_alone(assistant):
    """Attack: a web-chat client takes a WhatsApp citizen's conversation id and erases it (delete + affirm)."""
    victim = f"wa-2126{uuid.uuid4().int % 10**8:08d}"
    marker = f"zq{uuid.uuid4().hex[:8]}"
    assistant.append_events(victim, [{"event": "user", "text": f"salam {marker}", "parse_data": {}}])
    assert any(marker in text for text in user_texts(assistant.tracker(victim)))

    async def attack() -> None:
        async with WebChatClient(assistant.url) as attacker:
            await attacker.request_session(victim)
            await attacker.say("/delete_my_data", session_id=victim)
            await attacker.say("/affirm", session_id=victim)

    run(attack())
    assert any(marker in text for text in user_texts(assistant.tracker(victim)))


def test_typed_rasa_payload_sets_no_slot(assistant):
    """Attack: a web-chat client types ``/find_center{"city": …}`` to set a slot without the NLU."""
    city = f"Zq{uuid.uuid4().hex[:8]}"

    async def attack() -> None:
        async with WebChatClient(assistant.url) as attacker:
            token = await attacker.request_session()
            await attacker.say("/find_center" + dumps({"city": city}), session_id=token)

    run(attack())
    (conversation,) = conversations_containing(assistant.tracker_db, city)
    tracker = assistant.tracker(conversation)
    assert tracker["slots"].get("city") != city
    intents = [e["parse_data"]["intent"]["name"] for e in tracker["events"] if e.get("event") == "user"]
    assert "find_center" not in intents or all(
        e["parse_data"].get("entities", []) == [] or city not in dumps(e["parse_data"]["entities"])
        for e in tracker["events"]
        if e.get("event") == "user"
    )


def test_button_payload_with_a_forged_signature_sets_no_slot(assistant):
    """Attack: a web-chat client sends a Rasa payload as a "button" with a made-up or another conversation's signature."""
    city = f"Zq{uuid.uuid4().hex[:8]}"

    async def attack() -> None:
        async with WebChatClient(assistant.url) as attacker:
            token = await attacker.request_session()
            payload = "/find_center" + dumps({"city": city})
            await attacker.say(payload, session_id=token, payload=payload, signature="A" * 43)

    run(attack())
    (conversation,) = conversations_containing(assistant.tracker_db, city)
    assert assistant.tracker(conversation)["slots"].get("city") != city
