"""Web chat behind several Rasa instances: one secret, pushes through Redis.

Two real Rasa servers share the tracker store, the web-chat secret and Redis (as the production
profile runs them). A session issued by one instance is honoured by the other, and a push sent
through the instance the page is NOT connected to (as a caseworker reply may be) reaches the page.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid

import pytest

from tests.live_assistant import live_assistant
from tests.security.webchat_client import WebChatClient

pytestmark = [pytest.mark.server, pytest.mark.model]


def test_a_push_through_another_instance_reaches_the_page(tmp_path):
    shared = {
        "TRACKER_DB": str(tmp_path / "tracker.db"),
        "WEBCHAT_SECRET": secrets.token_urlsafe(40),
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with live_assistant(tmp_path / "a", shared) as first, live_assistant(tmp_path / "b", shared) as second:

        async def talk() -> None:
            async with WebChatClient(first.url) as page:
                token = await page.request_session()
                await page.say("salam")
                conversation = "web-" + token.split(".")[0]
                before = len(page.received)
                await asyncio.to_thread(second.trigger_intent, conversation, "greet")
                await page.wait(lambda: len(page.received) > before, "the push through the other instance")
            async with WebChatClient(second.url) as same_browser:
                renewed = await same_browser.request_session(token)
                assert renewed.split(".")[0] == token.split(".")[0]

        asyncio.run(talk())
