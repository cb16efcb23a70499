"""Talk to a running assistant in the terminal through its REST channel (``make shell``)."""

from __future__ import annotations

import argparse
import json
import urllib.request
import uuid

from bot.i18n.bidi import strip_bidi_marks


def send(port: int, sender: str, text: str) -> list[dict]:
    """Posts one message to the REST channel and returns the bot's replies."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"[]")


def main() -> None:
    """Reads lines from the terminal; a number picks a button of the last reply."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5005)
    args = parser.parse_args()
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    buttons: list[dict] = []
    print("Type a message (Ctrl-D to quit). Type a button's number to press it.")
    while True:
        try:
            text = input("> ")
        except EOFError:
            break
        if text.strip().isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        buttons = []
        for reply in send(args.port, sender, text):
            if reply.get("text"):
                print(strip_bidi_marks(reply["text"]))
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"  [{len(buttons)}] {button['title']}")


if __name__ == "__main__":
    main()
