"""With no channel variables (``make run`` as shipped) Telegram and WhatsApp are off, not failing.

Uses the suite's shared assistant (started from credentials.yml with the environment of the test
run, where no TELEGRAM_* / WHATSAPP_* variable is set).
"""

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.server


def _call(url: str, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.mark.parametrize(
    ("channel", "missing"),
    [("telegram", ["TELEGRAM_TOKEN"]), ("whatsapp", ["WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"])],
)
def test_a_channel_without_its_variables_is_off(assistant, channel, missing):
    status, body = _call(f"{assistant.url}/webhooks/{channel}/")
    assert status == 200 and body["status"] == "off" and set(missing) <= set(body["missing"])
    status, _ = _call(f"{assistant.url}/webhooks/{channel}/webhook", b'{"update_id": 1}')
    assert status == 404
    assert assistant.say("test-channels-off", "salam")  # the rest of the assistant works


@pytest.mark.parametrize("sender", ["tg-123456", "wa-212600000000", "TG-1", "web-abc", " Web-abc"])
def test_rest_clients_cannot_use_a_messaging_conversation(assistant, sender):
    status, body = assistant.post_raw(json.dumps({"sender": sender, "message": "/affirm"}).encode())
    assert status == 400 and b"other channels' conversations" in body
