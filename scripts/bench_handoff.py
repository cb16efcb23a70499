"""Relay latency of a live handoff, both ways, through every real part (``make bench-handoff``).

citizen → caseworker: from the citizen's message posted to Rasa's callback channel until the line
arrives in the console's server-sent-event stream of the conversation (what the caseworker's page
shows). caseworker → citizen: from the console's reply POST until the citizen's channel receives
the text (console outbox → Rasa ``trigger_intent`` → action server → callback channel).
Prints p50/p95/max over ``--messages`` exchanges each way.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from bot.handoff.store import HandoffStore
from bot.settings import ROOT
from tests.console_support import add_user, sqlite_url, start_console
from tests.live_assistant import Receiver, live_assistant

ALWAYS_OPEN = ROOT / "tests" / "data" / "office_hours_always_open.yml"
_EVENTS = re.compile(r'data-events="([^"]+)"')


def _letters(number: int) -> str:
    return "".join("abcdefghij"[int(d)] for d in str(number))[:8]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"{name:<26} n={len(ms):<3} p50 {statistics.median(ms):7.1f} ms   p95 {_percentile(ms, 0.95):7.1f} ms"
            f"   max {max(ms):7.1f} ms")  # fmt: skip


class SseWatcher:
    """Reads a conversation's event stream in a thread and notes when each text first appears."""

    def __init__(self, client, path: str) -> None:
        self.seen: dict[str, float] = {}
        self.markers: list[str] = []
        self.lock = threading.Lock()
        self.client, self.path = client, path
        threading.Thread(target=self._run, daemon=True).start()

    def expect(self, marker: str) -> None:
        with self.lock:
            self.markers.append(marker)

    def _run(self) -> None:
        """Follows the stream like a browser: reconnects with the last event id when the server ends it."""
        last_id = ""
        while True:
            try:
                last_id = self._follow(last_id)
            except httpx.HTTPError:  # the console stopped at the end of the run
                return

    def _follow(self, last_id: str) -> str:
        headers = {"Cookie": f"jisr_console={self.client.cookie}", "Accept": "text/event-stream"}
        if last_id:
            headers["Last-Event-ID"] = last_id
        url = f"{self.client.http.base_url}{self.path}"
        with httpx.stream("GET", url, headers=headers, timeout=None) as stream:
            for line in stream.iter_lines():
                if line.startswith("id:"):
                    last_id = line[3:].strip()
                if not line.startswith("data:"):
                    continue
                now = time.perf_counter()
                with self.lock:
                    for marker in self.markers:
                        if marker not in self.seen and marker in line:
                            self.seen[marker] = now
        return last_id

    def wait(self, marker: str, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if marker in self.seen:
                    return self.seen[marker]
            time.sleep(0.005)
        raise TimeoutError(f"{marker} never reached the console")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=30)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-handoff-"))
    receiver = Receiver()
    credentials = workdir / "credentials.yml"
    credentials.write_text((ROOT / "credentials.yml").read_text() + f"\ncallback:\n  url: {receiver.url}\n")
    with live_assistant(workdir, {"OFFICE_HOURS_FILE": str(ALWAYS_OPEN)}, credentials) as assistant:
        console = start_console(sqlite_url(workdir), assistant.url, workdir, assistant.client_env())
        try:
            store = HandoffStore(sqlite_url(workdir))
            add_user(store, "bench", display_name="Bench")
            client = console.client()
            client.login("bench")
            client.get("/queue")
            sender = f"bench-{uuid.uuid4().hex[:8]}"

            def citizen(text: str) -> None:
                httpx.post(f"{assistant.url}/webhooks/callback/webhook", json={"sender": sender, "message": text},
                           timeout=60).raise_for_status()  # fmt: skip

            citizen("bghit nhder m3a chi wa7ed mn lfari9")
            citizen('/inform{"share_scope": "summary"}')
            handoff = store.open_for(sender)
            assert handoff is not None, "no handoff was created"
            client.post(f"/handoffs/{handoff.id}/claim")
            page = client.get(f"/handoffs/{handoff.id}")
            watcher = SseWatcher(client, _EVENTS.search(page.text).group(1).replace("&amp;", "&"))
            time.sleep(1.0)

            outbound: list[float] = []
            for number in range(args.messages):
                text = f"reply number {number} {uuid.uuid4().hex[:6]}"
                start = time.perf_counter()
                client.post(
                    f"/handoffs/{handoff.id}/reply", {"text": text}, headers={"x-requested-with": "fetch"}
                )
                receiver.wait_for(lambda m, t=text: m.get("text") == t)
                outbound.append(time.perf_counter() - start)

            inbound: list[float] = []
            for number in range(args.messages):
                # letters only: a letter followed by digits would be masked as an ID number on the page
                marker = f"citizen line {_letters(number)} {_letters(uuid.uuid4().int)}"
                watcher.expect(marker)
                start = time.perf_counter()
                citizen(marker)
                inbound.append(watcher.wait(marker) - start)
        finally:
            console.stop()
            receiver.close()
    load = os.getloadavg()[0]
    print(f"handoff relay latency (load average {load:.1f} on {os.cpu_count()} cores)")
    print(_summary("caseworker -> citizen", outbound))
    print(_summary("citizen -> caseworker", inbound))
    report = {"caseworker_to_citizen_ms": [s * 1000 for s in outbound],
              "citizen_to_caseworker_ms": [s * 1000 for s in inbound], "load_average": load}  # fmt: skip
    (ROOT / "reports" / "bench_handoff.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
