"""A local stand-in for the Telegram Bot API and the WhatsApp Cloud API (Graph API).

The channels' real HTTP clients (python-telegram-bot, httpx) are pointed at it through
``TELEGRAM_API_URL`` / ``WHATSAPP_API_URL``; it records every request (method, path, headers,
decoded parameters) and answers like the real APIs. Failures can be scripted per method
(status, body, headers, delay) to exercise retries. Runs an aiohttp server in its own thread, so
it serves sync tests, async tests and a Rasa server in another process alike.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web


@dataclass
class Recorded:
    """One request the stub received."""

    api: str  # "telegram" or "whatsapp"
    method: str  # Bot API method (sendMessage…) or "messages"
    path: str
    headers: dict[str, str]
    params: dict[str, Any]
    raw: bytes
    result: Any = None  # what the stub answered (e.g. the sent message with its message_id)
    at: float = field(default_factory=time.perf_counter)  # when it arrived (for make bench-channels)


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class ApiStub:
    """Records requests, answers like Telegram / WhatsApp, fails on demand."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.updates: list[dict[str, Any]] = []
        self._failures: dict[str, list[Failure]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- control ------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiStub:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("API stub did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)

    def fail(self, method: str, status: int, body: dict | None = None, times: int = 1, **kw: Any) -> None:
        """The next ``times`` calls of ``method`` answer ``status`` (``headers=``, ``delay=``)."""
        with self._lock:
            self._failures.setdefault(method, []).extend([Failure(status, body or {}, **kw)] * times)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    def calls(
        self, method: str | None = None, where: Callable[[Recorded], bool] | None = None
    ) -> list[Recorded]:
        with self._lock:
            found = [r for r in self.requests if method is None or r.method == method]
        return [r for r in found if where is None or where(r)]

    def wait_for(
        self,
        method: str,
        where: Callable[[Recorded], bool] | None = None,
        count: int = 1,
        timeout: float = 60,
    ) -> list[Recorded]:
        """Waits until ``count`` matching calls arrived (servers answer asynchronously)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls(method, where)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} {method} call(s), got {self.calls(method, where)}")

    # -- server -------------------------------------------------------------------------------------
    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._telegram)
        app.router.add_route("POST", "/{version}/{phone}/messages", self._whatsapp)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        ready.set()
        self._loop.run_forever()

    async def _failure_for(self, method: str) -> web.Response | None:
        with self._lock:
            queue = self._failures.get(method) or []
            failure = queue.pop(0) if queue else None
        if failure is None:
            return None
        if failure.delay:
            await asyncio.sleep(failure.delay)
        return web.json_response(failure.body, status=failure.status, headers=failure.headers)

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    async def _telegram(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        if request.content_type == "application/json":
            params = json.loads(raw or b"{}")
        else:
            form = await request.post()
            params = {key: _decode(value) for key, value in form.items() if isinstance(value, str)}
        recorded = Recorded("telegram", method, request.path, dict(request.headers), params, raw)
        self._record(recorded)
        failure = await self._failure_for(method)
        if failure is not None:
            return failure
        recorded.result = await self._telegram_result(method, params)
        return web.json_response({"ok": True, "result": recorded.result})

    async def _telegram_result(self, method: str, params: dict[str, Any]) -> Any:
        if method in ("sendMessage", "sendPhoto"):
            return {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": params.get("chat_id"), "type": "private"},
                "text": str(params.get("text", "")),
            }
        if method == "getMe":
            return {"id": 1, "is_bot": True, "first_name": "Jisr", "username": "jisr_test_bot"}
        if method == "getUpdates":
            offset = params.get("offset") or 0
            timeout = min(float(params.get("timeout") or 0), 0.5)
            deadline = time.monotonic() + timeout
            while True:
                with self._lock:
                    pending = [u for u in self.updates if u["update_id"] >= offset]
                if pending or time.monotonic() >= deadline:
                    return pending
                await asyncio.sleep(0.05)
        return True

    async def _whatsapp(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            params = json.loads(raw)
        except ValueError:
            params = {}
        self._record(Recorded("whatsapp", "messages", request.path, dict(request.headers), params, raw))
        failure = await self._failure_for("messages")
        if failure is not None:
            return failure
        if params.get("status") == "read":
            return web.json_response({"success": True})
        to = params.get("to", "")
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.stub{next(self._ids)}"}],
            }
        )
