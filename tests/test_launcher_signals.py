"""``make run`` (bot/launcher.py) stops every child on SIGTERM as on Ctrl-C, and frees its ports.

systemd, Docker and CI stop a service with SIGTERM; a launcher that exited on it alone left the Rasa
server, the action server and the console running and holding their ports.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.launcher import service_env
from bot.ops.prod import answers
from bot.settings import ROOT
from tests.conftest import free_port

pytestmark = [pytest.mark.model, pytest.mark.server]


def children_of(pid: int) -> set[int]:
    """Every living process below ``pid``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found.add(child)
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def port_free(port: int) -> bool:
    """Nothing listens on ``port`` (a server binds with SO_REUSEADDR, as Sanic does)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_make_run_stops_every_child_and_frees_its_ports(model_path, tmp_path, stop_signal):
    ports = {"rasa": free_port(), "actions": free_port(), "console": free_port()}
    env = {**service_env(ports["actions"], tmp_path / "tracker.db"), "HANDOFF_DB": str(tmp_path / "handoff.db"),
           "CHANNELS_DB": str(tmp_path / "channels.db"), "CONSOLE_SECRET_FILE": str(tmp_path / "console.key")}  # fmt: skip
    command = [sys.executable, "-m", "bot.launcher", "--port", str(ports["rasa"]), "--actions-port",
               str(ports["actions"]), "--console-port", str(ports["console"]), "--tracker-db",
               str(tmp_path / "tracker.db")]  # fmt: skip
    log = (tmp_path / "launcher.log").open("wb")
    launcher = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 600
        while not answers(f"http://127.0.0.1:{ports['console']}/health"):
            assert launcher.poll() is None, (tmp_path / "launcher.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "make run did not start"
            time.sleep(0.5)
        children = children_of(launcher.pid)
        assert len(children) >= 3, children  # action server, Rasa, console
        launcher.send_signal(stop_signal)
        launcher.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in children if alive(pid)], "a child outlived make run"
        assert all(port_free(port) for port in ports.values()), ports
    finally:
        for pid in children | children_of(launcher.pid):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if launcher.poll() is None:
            launcher.kill()
        log.close()
