"""``make bench-faults``: what citizens see when one process of the production profile crashes.

Starts ``python -m bot.ops.prod`` (make run-prod's own code) on free ports, on the machine's PostgreSQL
(database ``jisr_bench_faults``), Redis (key prefix ``jisrfaults``) and RabbitMQ (a queue of its own).
For each kind of process (one Rasa instance, one action server, the console with its delivery worker,
nginx), 20 citizens write at a reading-and-typing pace (a 2–5 s pause between a reply and the next
message, 12 messages each: 240 messages) and the process is killed with SIGKILL after 6 s, as a crash
would. One row per kind:

- answered: share of the messages that got a 200 with replies, and how many of those were the
  "temporary technical problem" or "please send it again" reply rather than an answer;
- errors: the other messages, by HTTP status (0: no HTTP answer at all);
- back after: seconds from the kill until a new process of that kind answers its readiness URL
  ("never" when it did not within 180 s);
- lost: answered messages missing from the tracker store;
- duplicated: answered messages stored more than once.

When the profile is not fully up before a kind's run (it stopped itself after the previous kill), it is
stopped and started again. Numbers only; no pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import sqlalchemy as sa

from bot.i18n.catalogs import LOCALES
from bot.i18n.render import render_text
from bot.ops.loadgen import LoadReport, run_load
from bot.ops.prod import answers
from bot.rasa_extensions.replies import RETRY_LATER, TEMPORARY_PROBLEM
from bot.settings import ROOT

KINDS = ("rasa", "actions", "console", "proxy")
FAILURE_TEXTS = {render_text(key, locale) for key in (TEMPORARY_PROBLEM, RETRY_LATER) for locale in LOCALES}
BACK_WITHIN = 180.0


def free_run(count: int) -> int:
    """The first of ``count`` consecutive loopback ports that are all free right now."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        if base + count > 65535:
            continue
        try:
            sockets = []
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()


@dataclass
class Ports:
    rasa: int
    actions: int
    console: int
    public: int
    api: int
    console_proxy: int
    actions_proxy: int

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public}"

    def env(self) -> dict[str, str]:
        return {
            "RASA_INSTANCES": "2", "ACTION_SERVERS": "2",
            "RASA_BASE_PORT": str(self.rasa), "ACTIONS_BASE_PORT": str(self.actions),
            "CONSOLE_PORT": str(self.console), "PROXY_PORT": str(self.public),
            "PROXY_API_PORT": str(self.api), "PROXY_CONSOLE_PORT": str(self.console_proxy),
            "PROXY_ACTIONS_PORT": str(self.actions_proxy),
        }  # fmt: skip

    def readiness(self) -> dict[str, str]:
        """Readiness URL of each process the bench kills."""
        return {
            "rasa": f"http://127.0.0.1:{self.rasa}/ready",
            "actions": f"http://127.0.0.1:{self.actions}/health",
            "console": f"http://127.0.0.1:{self.console}/ready",
            "proxy": f"http://127.0.0.1:{self.public}/health",
        }

    def all_readiness(self) -> list[str]:
        return [
            *self.readiness().values(),
            f"http://127.0.0.1:{self.rasa + 1}/ready",
            f"http://127.0.0.1:{self.actions + 1}/health",
        ]

    def marker(self, kind: str) -> tuple[str, ...]:
        """Words of the command line of the process of ``kind`` to kill (the first instance)."""
        return {
            "rasa": ("rasa", "run", str(self.rasa)),
            "actions": ("bot.ops.action_server", str(self.actions)),
            "console": ("bot.ops.console", str(self.console)),
            "proxy": ("nginx: master",),
        }[kind]


def descendants(root: int) -> dict[int, str]:
    """pid → command line of every process under ``root``."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = commands.get(pid, "")
                frontier.append(pid)
    return found


class RunningProfile:
    """``python -m bot.ops.prod`` in its own session, as an operator runs ``make run-prod``."""

    def __init__(self, ports: Ports, env: dict[str, str], log: Path, workdir: Path | None = None) -> None:
        self.ports, self.env, self.log = ports, env, log
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 900) -> None:
        with self.log.open("ab") as log:
            where = ["--workdir", str(self.workdir)] if self.workdir else []
            self.process = subprocess.Popen([sys.executable, "-m", "bot.ops.prod", *where], cwd=ROOT, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the profile did not start (see {self.log})")
            time.sleep(1)

    def healthy(self) -> bool:
        return (
            self.process is not None
            and self.process.poll() is None
            and all(answers(url) for url in self.ports.all_readiness())
        )

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pid in descendants(self.process.pid) if self.process.poll() is None else ():
            os.kill(pid, signal.SIGKILL)
        self.process = None

    def find(self, kind: str) -> int | None:
        """The pid of the process of ``kind`` the bench kills (the first instance), if it runs."""
        assert self.process is not None
        words = self.ports.marker(kind)
        for pid, command in sorted(descendants(self.process.pid).items()):
            if all(word in command.split() or word in command for word in words):
                return pid
        return None

    def kill(self, kind: str) -> int:
        pid = self.find(kind)
        if pid is None:
            raise RuntimeError(f"no {kind} process found")
        os.kill(pid, signal.SIGKILL)
        return pid


@dataclass
class Row:
    kind: str
    report: LoadReport
    back_after: float | None
    lost: int
    duplicated: int

    def line(self) -> str:
        total = len(self.report.turns)
        answered = len(self.report.answered)
        errors = Counter(t.status for t in self.report.turns if t.status != 200)
        shown = ", ".join(f"{status}×{n}" for status, n in sorted(errors.items())) or "none"
        back = f"{self.back_after:.1f} s" if self.back_after is not None else "never"
        failure_replies = sum(
            any(r.get("text") in FAILURE_TEXTS for r in t.replies) for t in self.report.answered
        )
        return (
            f"  {self.kind:<8} answered {answered}/{total} ({100 * answered / total:.1f} %, "
            f"{failure_replies} of them a failure reply), errors {shown}, "
            f"back after {back}, lost {self.lost}, duplicated {self.duplicated}"
        )


def stored_seqs(engine: sa.engine.Engine, prefix: str) -> Counter:
    """(sender, load_seq) → times stored, for the user messages of senders starting with ``prefix``."""
    counts: Counter = Counter()
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT sender_id, data FROM events WHERE sender_id LIKE :p AND type_name = 'user'"),
            {"p": f"{prefix}-%"},
        ).all()
    for sender, data in rows:
        seq = (json.loads(data).get("metadata") or {}).get("load_seq")
        counts[(sender, seq)] += 1
    return counts


def fault_run(profile: RunningProfile, kind: str, engine: sa.engine.Engine, args: argparse.Namespace) -> Row:
    prefix = f"fault-{kind}-{uuid.uuid4().hex[:6]}"
    load: dict[str, LoadReport] = {}
    worker = threading.Thread(
        target=lambda: load.update(
            r=run_load(
                profile.ports.public_url, args.citizens, args.messages, prefix, think=tuple(args.think)
            )
        )
    )
    worker.start()
    time.sleep(args.kill_after)
    killed = profile.kill(kind)
    killed_at = time.monotonic()
    url, back_after = profile.ports.readiness()[kind], None
    while time.monotonic() - killed_at < BACK_WITHIN:
        if profile.find(kind) not in (None, killed) and answers(url):  # a new process serves
            back_after = time.monotonic() - killed_at
            break
        time.sleep(0.25)
    worker.join()
    report = load["r"]
    time.sleep(2)  # the last events reach the database
    stored = stored_seqs(engine, prefix)
    answered = [(t.sender, t.seq) for t in report.answered]
    lost = sum(1 for key in answered if stored[key] == 0)
    duplicated = sum(1 for key in answered if stored[key] > 1)
    return Row(kind, report, back_after, lost, duplicated)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", choices=KINDS, action="append", help="kinds of process to kill (default all)"
    )
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--messages", type=int, default=12)
    parser.add_argument("--kill-after", type=float, default=6.0)
    parser.add_argument("--think", type=float, nargs=2, default=[2.0, 5.0], metavar=("MIN", "MAX"))
    args = parser.parse_args()
    workdir = ROOT / "var" / "bench" / "faults"
    workdir.mkdir(parents=True, exist_ok=True)
    ports = Ports(free_run(2), free_run(2), *(free_run(1) for _ in range(5)))
    queue = f"jisr_faults_{uuid.uuid4().hex[:6]}"
    env = {**os.environ, **ports.env(), "TRACKER_DB_NAME": "jisr_bench_faults", "REDIS_KEY_PREFIX": "jisrfaults",
           "RABBITMQ_QUEUE": queue, "CONSOLE_SECRET_FILE": str(workdir / "console.key"),
           "JISR_LOCAL_TRIAL": "1", "PYTHONPATH": str(ROOT)}  # fmt: skip
    database = "postgresql://{user}@{host}:{port}/jisr_bench_faults".format(
        user=env.get("TRACKER_DB_USER", "postgres"), host=env.get("TRACKER_DB_HOST", "127.0.0.1"),
        port=env.get("TRACKER_DB_PORT", "5432"),
    )  # fmt: skip
    profile = RunningProfile(ports, env, workdir / "profile.log", workdir / "prod")
    print(f"bench-faults on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"{args.citizens} citizens × {args.messages} messages, pause {args.think[0]:g}–{args.think[1]:g} s, "
          f"SIGKILL after {args.kill_after:g} s (logs: {workdir})", flush=True)  # fmt: skip
    rows = []
    try:
        for kind in args.only or KINDS:
            if not profile.healthy():
                restarted = profile.process is not None
                profile.stop()
                profile.start()
                if restarted:
                    print(
                        "  (the profile was down after the previous kill: restarted it by hand)", flush=True
                    )
            engine = sa.create_engine(database, pool_pre_ping=True)
            rows.append(fault_run(profile, kind, engine, args))
            engine.dispose()
            print(rows[-1].line(), flush=True)
            time.sleep(5)  # let a restarted process settle before the next kind
    finally:
        profile.stop()
        subprocess.run(["rabbitmqctl", "delete_queue", queue], capture_output=True, timeout=60)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
