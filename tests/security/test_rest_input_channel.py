"""Attack: a REST client files its messages under another channel by naming it in the body.

Rasa's REST input takes ``input_channel`` from the request body. A client that says ``telegram`` or
``whatsapp`` would make the conversation's latest channel a messaging app's, so caseworker pushes
(``output_channel=latest``) and the channel's erase hook would be routed there. The REST channel
records every message as ``rest``, whatever the body says.
"""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = [pytest.mark.model, pytest.mark.server]


@pytest.mark.parametrize("claimed", ["telegram", "whatsapp", "webchat", "socketio"])
def test_rest_messages_are_recorded_as_rest_whatever_the_body_claims(assistant, claimed):
    sender = f"rest-claims-{uuid.uuid4().hex[:8]}"
    body = {"sender": sender, "message": "salam", "input_channel": claimed}
    status, answer = assistant.post_raw(json.dumps(body).encode())
    assert status == 200, answer
    channels = {
        e.get("input_channel") for e in assistant.tracker(sender)["events"] if e.get("event") == "user"
    }
    assert channels == {"rest"}
