"""A web-chat client speaking socket.io to a running assistant, as a browser widget or an attacker would."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any, Callable

import socketio

REPLY_WAIT = 20.0


class WebChatClient:
    """One socket.io connection; records every bot message and session confirmation it receives."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: list[dict[str, Any]] = []
        self.confirmations: list[Any] = []
        self.sio.on("bot_uttered", self._on_bot)
        self.sio.on("session_confirm", self._on_confirm)

    async def _on_bot(self, data: Any) -> None:
        self.received.append(data if isinstance(data, dict) else {"raw": data})

    async def _on_confirm(self, data: Any) -> None:
        self.confirmations.append(data)

    async def __aenter__(self) -> WebChatClient:
        await self.sio.connect(
            self.url, transports=["polling"], wait_timeout=20
        )  # the venv's aiohttp predates the websocket client
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Like a closed tab: without waiting for the pending long-poll to return (up to 25 s).
        await self.sio.eio.disconnect(abort=True)

    async def request_session(self, session_id: Any = None) -> Any:
        """Asks for ``session_id`` (or a new session); returns what the server confirmed."""
        before = len(self.confirmations)
        await self.sio.emit("session_request", {"session_id": session_id})
        await self.wait(lambda: len(self.confirmations) > before, "session_confirm")
        confirmed = self.confirmations[-1]
        return confirmed.get("session_id") if isinstance(confirmed, dict) else confirmed

    async def say(self, text: str, session_id: Any = None, **extra: Any) -> list[dict[str, Any]]:
        """Sends ``text`` (with the ``session_id`` a widget would send) and returns the replies to it.

        Waits for the first reply for at most ``REPLY_WAIT`` seconds without failing: a test then checks
        the trackers, which tell what the message did even when no reply reached this client.
        """
        before = len(self.received)
        await self.sio.emit("user_uttered", {"message": text, "session_id": session_id, **extra})
        try:
            await self.wait(lambda: len(self.received) > before, "a reply", timeout=REPLY_WAIT)
        except AssertionError:
            return []
        await asyncio.sleep(1.0)  # the rest of a multi-message answer
        return self.received[before:]

    async def wait(self, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {what} within {timeout:.0f}s (received {self.received})")
            await asyncio.sleep(0.05)


def conversations_containing(tracker_db: Path, marker: str) -> set[str]:
    """Ids of the stored conversations whose events contain ``marker`` (read-only)."""
    with sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT DISTINCT sender_id FROM events WHERE data LIKE ?", (f"%{marker}%",))
        return {row[0] for row in rows}


def user_texts(tracker: dict[str, Any]) -> list[str]:
    return [e.get("text") or "" for e in tracker.get("events", []) if e.get("event") == "user"]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
