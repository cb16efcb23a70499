"""``make bench-load``: latency and throughput through the REST channel under concurrent conversations.

Three set-ups, each measured at 10, 50 and 200 concurrent conversations (each conversation sends
its next message when the previous reply arrived):

1. one Rasa instance + one action server with the embedded defaults (SQLite, in-memory locks);
2. the production profile: two Rasa instances and two action servers behind nginx, on PostgreSQL,
   Redis and RabbitMQ (the machine's services; database ``jisr_bench``, its own queue and key prefix);
3. Rasa's default ``rasa init`` assistant served like 1 (same REST channel type, SQLite store).

Each set-up is then measured a second way, *paced*: 50 and 200 conversations whose citizens pause
3–10 s (uniform, an assumption; ``--think``) between a reply and their next message, as people reading
and typing do. The closed loop measures capacity (its latency is conversations ÷ throughput by
construction); the paced run measures the latency a citizen sees at that many simultaneous
conversations.

Prints p50/p95/p99, messages per second, messages without an answer, the ratio to ``rasa init``,
the memory (RSS) of every process after the run, and the load average (the machine is shared:
a high load makes every number pessimistic). Numbers only; no pass/fail.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")  # Rasa 3.6 uses SQLAlchemy 1.4 APIs

from bot import rasa_api
from bot.launcher import action_server_command, rasa_server_command, service_env, stop, wait_until_ready
from bot.ops.loadgen import LoadReport, run_load
from bot.ops.prod import Layout, Profile, check_services, free_port, profile_env
from bot.settings import ROOT
from bot.training import MODEL_FILE

LEVELS = (10, 50, 200)
MESSAGES_AT = {10: 30, 50: 12, 200: 10}  # messages per conversation: ≥ 300 messages per level
PACED_LEVELS = (50, 200)
PACED_MESSAGES = 8
THINK_SECONDS = (3.0, 10.0)
RASA_INIT_DIR = ROOT / "var" / "bench" / "rasa_init"
#: Messages for the `rasa init` assistant (its own training data: greet, mood, bot challenge…).
RASA_INIT_SCRIPT = ("hello", "I am sad", "yes", "great", "are you a bot?", "good morning", "no", "bye")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@dataclass(frozen=True)
class Plan:
    """What to measure on each set-up: closed-loop levels, paced levels and the citizens' pauses."""

    levels: tuple[int, ...] = LEVELS
    paced: tuple[int, ...] = PACED_LEVELS
    think: tuple[float, float] = THINK_SECONDS

    def keys(self) -> list[int | str]:
        return [*self.levels, *(f"paced {level}" for level in self.paced)]


def measure(label: str, url: str, plan: Plan, texts=None) -> dict[int | str, LoadReport]:
    """Closed-loop levels (keys: conversations), then paced ones (keys: "paced <conversations>")."""
    results: dict[int | str, LoadReport] = {}
    script = {"texts": texts} if texts else {}
    run_load(url, 5, 3, f"warm-{uuid.uuid4().hex[:6]}", **script)  # warm-up
    runs = [(level, level, MESSAGES_AT[level], None) for level in plan.levels]
    runs += [(f"paced {level}", level, PACED_MESSAGES, plan.think) for level in plan.paced]
    for key, level, messages, think in runs:
        load = os.getloadavg()[0]
        report = run_load(
            url, level, messages, f"bench-{uuid.uuid4().hex[:6]}-{level}", think=think, **script
        )
        results[key] = report
        shown = f"{level:>3} conv" + (f" pausing {think[0]:.0f}–{think[1]:.0f} s" if think else "")
        print(f"  {label:<26} {shown}: {report.summary()} (load avg {load:.1f} → {os.getloadavg()[0]:.1f})",
              flush=True)  # fmt: skip
    return results


def print_memory(processes: dict[str, int]) -> None:
    print(
        "  memory after the run: " + ", ".join(f"{n} {rss_mb(p):.0f} MB" for n, p in processes.items()),
        flush=True,
    )


def embedded(plan: Plan, workdir: Path) -> dict[int | str, LoadReport]:
    rasa_port, actions_port = free_port(), free_port()
    env = service_env(actions_port, workdir / "tracker.db")
    env.update(ACTION_SERVER_URL=f"http://127.0.0.1:{actions_port}/webhook", TRACKER_DB=str(workdir / "tracker.db"),
               HANDOFF_DB=str(workdir / "handoff.db"), CHANNELS_DB=str(workdir / "channels.db"))  # fmt: skip
    log = (workdir / "embedded.log").open("wb")
    processes = {"action server": subprocess.Popen(action_server_command(actions_port), cwd=ROOT, env=env,
                                                   stdout=log, stderr=subprocess.STDOUT)}  # fmt: skip
    try:
        wait_until_ready(f"http://127.0.0.1:{actions_port}/health", process=processes["action server"])
        processes["rasa"] = subprocess.Popen(rasa_server_command(rasa_port), cwd=ROOT, env=env, stdout=log,
                                             stderr=subprocess.STDOUT)  # fmt: skip
        wait_until_ready(
            rasa_api.ready_url(f"http://127.0.0.1:{rasa_port}"), timeout=900, process=processes["rasa"]
        )
        results = measure("embedded, 1 instance", f"http://127.0.0.1:{rasa_port}", plan)
        print_memory({n: p.pid for n, p in processes.items()})
        return results
    finally:
        stop(list(processes.values()))


def production(plan: Plan, workdir: Path) -> dict[int | str, LoadReport]:
    queue = f"jisr_bench_{uuid.uuid4().hex[:6]}"
    layout = Layout.on_free_ports(rasa_instances=2, action_servers=2)
    env = profile_env(layout, {**os.environ, "TRACKER_DB_NAME": "jisr_bench", "REDIS_KEY_PREFIX": "jisrbench",
                               "RABBITMQ_QUEUE": queue, "CONSOLE_SECRET_FILE": str(workdir / "console.key"),
                               "JISR_LOCAL_TRIAL": "1"})  # fmt: skip
    problems = check_services(env)
    if problems:
        raise SystemExit("production profile needs its services:\n  " + "\n  ".join(problems))
    profile = Profile(layout, env, workdir / "prod")
    try:
        profile.start_all(timeout=900)
        results = measure("production, 2 instances", profile.public_url, plan)
        print_memory(profile.pids())
        return results
    finally:
        profile.stop_all()
        subprocess.run(["rabbitmqctl", "delete_queue", queue], capture_output=True, timeout=60)


def rasa_init_model(python: str) -> Path:
    """The `rasa init` assistant, created and trained once (kept in var/bench/rasa_init/)."""
    models = RASA_INIT_DIR / "models"
    existing = sorted(models.glob("*.tar.gz")) if models.exists() else []
    if existing:
        return existing[-1]
    shutil.rmtree(RASA_INIT_DIR, ignore_errors=True)
    RASA_INIT_DIR.mkdir(parents=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    print("  creating and training the `rasa init` assistant (once)…", flush=True)
    with (RASA_INIT_DIR.parent / "rasa_init_train.log").open("wb") as log:
        subprocess.run([python, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(RASA_INIT_DIR)],
                       cwd=RASA_INIT_DIR, env=env, check=True, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    existing = sorted(models.glob("*.tar.gz"))
    if not existing:
        subprocess.run([python, "-m", "rasa", "train"], cwd=RASA_INIT_DIR, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        existing = sorted(models.glob("*.tar.gz"))
    return existing[-1]


def rasa_init(plan: Plan, workdir: Path) -> dict[int | str, LoadReport]:
    model = rasa_init_model(sys.executable)
    port = free_port()
    endpoints = workdir / "rasa_init_endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'rasa_init.db'}\n"
    )
    credentials = workdir / "rasa_init_credentials.yml"
    credentials.write_text("rest:\n")
    command = [sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port), "--interface",
               "127.0.0.1", "--enable-api", "--endpoints", str(endpoints), "--credentials", str(credentials)]  # fmt: skip
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SANIC_REGISTER": "False"}
    log = (workdir / "rasa_init.log").open("wb")
    process = subprocess.Popen(command, cwd=RASA_INIT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/status", timeout=900, process=process)
        texts = lambda c, n: [RASA_INIT_SCRIPT[(c + i) % len(RASA_INIT_SCRIPT)] for i in range(n)]  # noqa: E731
        results = measure("rasa init, 1 instance", f"http://127.0.0.1:{port}", plan, texts)
        print_memory({"rasa (rasa init)": process.pid})
        return results
    finally:
        stop([process])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=("embedded", "production", "rasa-init"), action="append")
    parser.add_argument("--levels", type=int, nargs="+", default=list(LEVELS), choices=LEVELS)
    parser.add_argument("--paced", type=int, nargs="*", default=list(PACED_LEVELS),
                        help="conversations of the paced runs (none: skip them)")  # fmt: skip
    parser.add_argument("--think", type=float, nargs=2, default=list(THINK_SECONDS), metavar=("MIN", "MAX"),
                        help="seconds a citizen pauses between a reply and the next message (paced runs)")  # fmt: skip
    args = parser.parse_args()
    if not MODEL_FILE.exists():
        raise SystemExit("no trained model: run `make train`")
    plan = Plan(tuple(args.levels), tuple(args.paced), tuple(args.think))
    chosen = args.only or ["embedded", "production", "rasa-init"]
    print(f"bench-load on {os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.1f}", flush=True)
    results: dict[str, dict[int | str, LoadReport]] = {}
    with tempfile.TemporaryDirectory(prefix="jisr-bench-load-") as tmp:
        for name, run in (("embedded", embedded), ("production", production), ("rasa-init", rasa_init)):
            if name in chosen:
                started = time.monotonic()
                results[name] = run(plan, Path(tmp))
                print(f"  ({name} took {time.monotonic() - started:.0f} s including start-up)", flush=True)
    if "rasa-init" in results:
        for name in ("embedded", "production"):
            for level in plan.keys() if name in results else ():
                ours, base = results[name][level], results["rasa-init"][level]
                print(f"  ratio {name} / rasa init at {level!s:>9} conv: p95 {ours.percentile(95) / base.percentile(95):.2f}×, "
                      f"msg/s {ours.messages_per_second / base.messages_per_second:.2f}×")  # fmt: skip
    print(
        f"load average at the end {os.getloadavg()[0]:.1f} (above ~2 on 2 cores: the numbers are pessimistic)"
    )


if __name__ == "__main__":
    main()
