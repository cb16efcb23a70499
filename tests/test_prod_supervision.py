"""supervisord under the production profile: crash reports, give-ups, and stopping everything.

The first tests run supervisord with small stand-in programs (a server, a program that cannot start,
one that crashes after having started) so that the policy is checked in seconds. The last ones run
``python -m bot.ops.prod`` (make run-prod) on the machine's PostgreSQL, Redis and RabbitMQ and stop
it as a terminal (Ctrl-C) and as systemd, Docker or CI (SIGTERM) do.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bot.ops.supervision import Program, Supervisor, write_config
from bot.settings import ROOT
from scripts.bench_faults import Ports, RunningProfile, answers, descendants, free_run
from tests.conftest import free_port


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def toy(tmp_path):
    """supervisord with a server that keeps serving, one that cannot start, and one that keeps crashing."""
    port = free_port()
    python = sys.executable
    programs = [
        Program("steady", [python, "-m", "http.server", str(port), "--bind", "127.0.0.1"], 10, startsecs=1),
        # exits long before startsecs even on a loaded machine, so it is a start failure, never a crash
        Program("no-start", [python, "-c", "raise SystemExit(3)"], 20, startsecs=15, startretries=2),
        Program("flapping", [python, "-c", "import time; time.sleep(1.5); raise SystemExit(1)"], 30,
                startsecs=1),
    ]  # fmt: skip
    config = write_config(programs, tmp_path / "supervision", tmp_path, ROOT)
    env = {**os.environ, "SUPERVISION_CRASH_LIMIT": "3", "PYTHONPATH": str(ROOT)}
    supervisor = Supervisor(config, env, tmp_path / "supervisord.out")
    supervisor.start()
    supervisor.port = port
    try:
        yield supervisor
    finally:
        supervisor.stop()


def test_a_process_that_cannot_start_or_keeps_crashing_is_reported_and_left_down(toy):
    assert wait_until(lambda: answers(f"http://127.0.0.1:{toy.port}/"))
    steady = toy.pid("steady")
    report = toy.config.parent / "failed.json"

    def reported() -> dict:  # written by the event listener once it runs
        return json.loads(report.read_text()) if report.exists() else {}

    assert wait_until(lambda: {"no-start", "flapping"} <= set(reported()), 90), reported()
    failed = reported()
    assert "FATAL" in failed["no-start"]["reason"]
    assert "crashed 3 times" in failed["flapping"]["reason"]
    info = toy.info()
    assert info["no-start"]["statename"] == "FATAL"
    assert wait_until(lambda: toy.info()["flapping"]["statename"] == "STOPPED", 30)
    time.sleep(3)
    assert toy.info()["flapping"]["statename"] == "STOPPED"  # not restarted any more
    assert info["steady"]["statename"] == "RUNNING" and toy.pid("steady") == steady  # untouched
    log = (toy.config.parent.parent / "crash-watch.log").read_text()
    assert "flapping" in log and "not restarted" in log
    toy.start_program("flapping")  # an operator starts it again: the report forgets it once it runs
    assert wait_until(lambda: "flapping" not in reported(), 30)


def test_the_control_socket_is_for_its_owner_only(toy):
    folder = toy.config.parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(toy.config.stat().st_mode) == 0o600
    assert stat.S_IMODE(toy.socket.stat().st_mode) & 0o077 == 0


def test_stopping_supervisord_stops_every_program_and_frees_its_port(toy):
    assert wait_until(lambda: answers(f"http://127.0.0.1:{toy.port}/"))
    pid = toy.pid("steady")
    toy.stop()
    assert not alive(pid) and port_free(toy.port)


@pytest.mark.model
@pytest.mark.server
@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_make_run_prod_stops_everything_and_frees_every_port(model_path, tmp_path, how):
    ports = Ports(free_run(2), free_run(2), *(free_run(1) for _ in range(5)))
    queue = f"jisr_test_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, **ports.env(), "TRACKER_DB_NAME": "jisr_test_supervision", "RABBITMQ_QUEUE": queue,
           "JISR_LOCAL_TRIAL": "1",  # the loopback services run with their default credentials
           "REDIS_KEY_PREFIX": "jisrsupervision", "CONSOLE_SECRET_FILE": str(tmp_path / "console.key"),
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    profile = RunningProfile(ports, env, tmp_path / "run-prod.log", tmp_path / "prod")
    tree: dict[int, str] = {}
    try:
        profile.start()
        assert profile.healthy()
        tree = descendants(profile.process.pid)
        assert len(tree) >= 8, tree  # supervisord, crash-watch, 2 Rasa, 2 action servers, console, nginx
        if how == "SIGTERM":
            profile.process.send_signal(signal.SIGTERM)
        else:  # the terminal sends SIGINT to the foreground process group
            os.killpg(profile.process.pid, signal.SIGINT)
        profile.process.wait(120)
        assert wait_until(lambda: not [pid for pid in tree if alive(pid)], 30), {
            pid: tree[pid] for pid in tree if alive(pid)
        }
        listening = [*range(ports.rasa, ports.rasa + 2), *range(ports.actions, ports.actions + 2), ports.console,
                     ports.public, ports.api, ports.console_proxy, ports.actions_proxy]  # fmt: skip
        assert [port for port in listening if not port_free(port)] == []
    finally:
        profile.stop()
        for pid in tree:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["rabbitmqctl", "delete_queue", queue], capture_output=True, timeout=60)
