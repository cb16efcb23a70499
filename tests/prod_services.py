"""Private PostgreSQL and Redis servers for the production-profile tests.

The fault tests restart PostgreSQL and stop Redis. Doing that to the machine's shared servers
(127.0.0.1:5432 and :6379) would break whatever else uses them, so each test session starts its
own real servers from the same installed binaries on free loopback ports, and restarts those.
RabbitMQ is the machine's own (a node is heavy to start); its test uses its own queue.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis


def _postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    return Path(candidates[-1]).parent


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (trust auth, user ``postgres``) on ``port``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = _postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="jisr-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.as_postgres = os.geteuid() == 0  # the server refuses to run as root

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60",
                  action, *extra)  # fmt: skip

    def start(self) -> PrivatePostgres:
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self._pg_ctl("start")
        return self

    def restart(self) -> None:
        """A real restart (fast shutdown: open connections are cut, as in a crash or failover)."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server without persistence on ``port``; :meth:`stop` and :meth:`start` again at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.command = [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return self
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def rabbitmqctl(*args: str) -> str:
    """Runs ``rabbitmqctl`` on the machine's broker (as root here and in CI)."""
    result = subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, text=True, timeout=120)
    return result.stdout
