"""supervisord event listener: reports processes that crash, and stops one that keeps crashing.

supervisord restarts a crashed process; one that fails to *start* ``startretries`` times in a row
enters FATAL by itself. A process that starts, serves a little and crashes again would be restarted
forever, so after ``CRASH_LIMIT`` crashes within ``CRASH_WINDOW_SECONDS`` it is stopped here.

Either way the process is written to the report file (``failed.json`` in the profile's folder, read by
``make run-prod`` and by monitoring) with the reason, and a line goes to the listener's log. The entry
is removed once the process runs again (started by an operator: ``supervisorctl start <name>``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict, deque
from pathlib import Path

from supervisor import childutils

from bot.settings import get_settings

CRASH_LIMIT = get_settings().supervision_crash_limit
CRASH_WINDOW_SECONDS = get_settings().supervision_crash_window_seconds


class CrashWatch:
    """Counts each process's crashes and keeps the report file up to date."""

    def __init__(self, report: Path, limit: int = CRASH_LIMIT, window: float = CRASH_WINDOW_SECONDS) -> None:
        self.report = report
        self.limit = limit
        self.window = window
        self.crashes: dict[str, deque[float]] = defaultdict(deque)
        self.failed: dict[str, dict] = {}
        self._write()

    def handle(self, event: str, payload: dict[str, str], now: float) -> str | None:
        """The name of a process to stop (it keeps crashing), else None."""
        name = payload.get("processname", "?")
        if event == "PROCESS_STATE_RUNNING":
            if self.failed.pop(name, None) is not None:
                self._write()
            return None
        if event == "PROCESS_STATE_FATAL":
            self._fail(name, "could not start: FATAL after supervisord's start retries", now)
            return None
        if event == "PROCESS_STATE_EXITED" and payload.get("expected") == "0":
            crashes = self.crashes[name]
            crashes.append(now)
            while crashes and crashes[0] < now - self.window:
                crashes.popleft()
            log(f"{name} (pid {payload.get('pid')}) crashed; {len(crashes)} crash(es) in {self.window:.0f} s")
            if len(crashes) >= self.limit:
                crashes.clear()
                self._fail(name, f"stopped: crashed {self.limit} times in {self.window:.0f} s", now)
                return name
        return None

    def _fail(self, name: str, reason: str, now: float) -> None:
        self.failed[name] = {"reason": reason, "at": now}
        log(
            f"{name} {reason}; not restarted. Its log: {name}.log; start it again: supervisorctl start {name}"
        )
        self._write()

    def _write(self) -> None:
        temporary = self.report.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.failed, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(self.report)


def log(line: str) -> None:
    sys.stderr.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} crash-watch: {line}\n")
    sys.stderr.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args()
    watch = CrashWatch(args.report)
    while True:
        headers, body = childutils.listener.wait(sys.stdin, sys.stdout)
        payload = childutils.get_headers(body.split("\n", 1)[0])
        to_stop = watch.handle(headers.get("eventname", ""), payload, time.time())
        if to_stop:
            try:
                childutils.getRPCInterface(os.environ).supervisor.stopProcess(to_stop, False)
            except Exception as error:  # the report is written; stopping is best effort
                log(f"could not stop {to_stop}: {error}")
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
