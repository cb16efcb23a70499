"""``make bench-cpu``: CPU seconds per message of each process of the production profile.

Starts the profile with one Rasa instance, one action server, the console and nginx (PostgreSQL,
Redis and RabbitMQ of the machine; database ``jisr_bench``), sends a fixed closed-loop load through
the public listener, and reads each process's user + system CPU time (``/proc/<pid>/stat``, the
process and its children) before and after. Prints CPU milliseconds per message, the messages per
second one fully busy core would give, and the latency of the run. These are the inputs of the
capacity model in docs/capacity.md. Numbers only; no pass/fail.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import uuid
from pathlib import Path

from bot.ops.loadgen import run_load
from bot.ops.prod import Layout, Profile, check_services, profile_env

TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and its living children."""
    total = 0.0
    for process in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=15, help="per conversation")
    args = parser.parse_args()
    queue = f"jisr_bench_{uuid.uuid4().hex[:6]}"
    workdir = Path(tempfile.mkdtemp(prefix="jisr-bench-cpu-"))
    layout = Layout.on_free_ports(rasa_instances=1, action_servers=1)
    env = profile_env(layout, {**os.environ, "TRACKER_DB_NAME": "jisr_bench", "REDIS_KEY_PREFIX": "jisrbench",
                               "RABBITMQ_QUEUE": queue, "CONSOLE_SECRET_FILE": str(workdir / "console.key"),
                               "JISR_LOCAL_TRIAL": "1"})  # fmt: skip
    problems = check_services(env)
    if problems:
        raise SystemExit("the production profile needs its services:\n  " + "\n  ".join(problems))
    profile = Profile(layout, env, workdir / "prod")
    try:
        profile.start_all(timeout=900)
        run_load(profile.public_url, 5, 4, f"warm-{uuid.uuid4().hex[:6]}")  # caches, connections
        pids = profile.pids()
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        load = os.getloadavg()[0]
        report = run_load(
            profile.public_url, args.conversations, args.messages, f"cpu-{uuid.uuid4().hex[:6]}"
        )
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        answered = len(report.answered)
        print(f"{args.conversations} conversations x {args.messages} messages, closed loop: {report.summary()} "
              f"(load avg {load:.1f} → {os.getloadavg()[0]:.1f})")  # fmt: skip
        print(f"{'process':<12} {'CPU s':>7} {'CPU ms/msg':>11} {'msg/s per core':>15}")
        for name in pids:
            used = after[name] - before[name]
            per_message = 1000 * used / max(answered, 1)
            rate = 1000 / per_message if per_message > 0 else float("inf")
            print(f"{name:<12} {used:>7.2f} {per_message:>11.1f} {rate:>15.0f}")
    finally:
        profile.stop_all()
        subprocess.run(["rabbitmqctl", "delete_queue", queue], capture_output=True, timeout=60)


if __name__ == "__main__":
    main()
