"""Production profile on one machine (``make run-prod``): N Rasa instances, M action servers, the
console and nginx in front, on PostgreSQL, Redis and RabbitMQ. Ctrl-C stops everything.

Every setting is an environment variable (docs/deploy.md lists them); unset ones get loopback
defaults, which only a local trial (``JISR_LOCAL_TRIAL=1``) accepts: otherwise the profile refuses
default credentials (:mod:`bot.ops.prod_settings`).
The same code starts the profile for the tests (tests/test_prod_profile.py) and ``make bench-load``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bot.launcher import rasa_server_command, request_limits, stop, wait_until_ready
from bot.ops import nginx, prod_settings
from bot.training import MODEL_FILE, ROOT

ENDPOINTS = ROOT / "endpoints.prod.yml"
#: Loopback defaults for a trial run; a deployment sets each of them (secrets from its secret store).
DEFAULTS = {
    "TRACKER_DB_HOST": "127.0.0.1",
    "TRACKER_DB_PORT": "5432",
    "TRACKER_DB_NAME": "jisr",
    "TRACKER_DB_USER": "postgres",
    "TRACKER_DB_PASSWORD": "",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_DB": "0",
    "REDIS_PASSWORD": "",
    "REDIS_KEY_PREFIX": "jisr",
    "RABBITMQ_HOST": "127.0.0.1",
    "RABBITMQ_PORT": "5672",
    "RABBITMQ_USER": "guest",
    "RABBITMQ_PASSWORD": "guest",
    "RABBITMQ_QUEUE": "jisr_events",
}


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Layout:
    """Which loopback ports the Rasa instances, action servers, console and proxy listen on."""

    rasa_ports: list[int]
    action_ports: list[int]
    console_port: int = 5006
    proxy: nginx.ProxyPorts = field(default_factory=nginx.ProxyPorts)

    @property
    def rasa_instances(self) -> int:
        return len(self.rasa_ports)

    @property
    def action_servers(self) -> int:
        return len(self.action_ports)

    @classmethod
    def from_env(cls, rasa_instances: int | None = None, action_servers: int | None = None) -> Layout:
        """RASA_INSTANCES Rasa instances from RASA_BASE_PORT on, ACTION_SERVERS from ACTIONS_BASE_PORT on."""
        env = os.environ
        rasa_instances = rasa_instances or int(env.get("RASA_INSTANCES", 2))
        action_servers = action_servers or int(env.get("ACTION_SERVERS", 2))
        rasa_base, actions_base = (
            int(env.get("RASA_BASE_PORT", 5101)),
            int(env.get("ACTIONS_BASE_PORT", 5151)),
        )
        return cls(
            rasa_ports=[rasa_base + i for i in range(rasa_instances)],
            action_ports=[actions_base + i for i in range(action_servers)],
            console_port=int(env.get("CONSOLE_PORT", 5006)),
            proxy=nginx.ProxyPorts(
                public=int(env.get("PROXY_PORT", 8080)),
                api=int(env.get("PROXY_API_PORT", 8085)),
                console=int(env.get("PROXY_CONSOLE_PORT", 8081)),
                actions=int(env.get("PROXY_ACTIONS_PORT", 8055)),
            ),
        )

    @classmethod
    def on_free_ports(cls, rasa_instances: int = 2, action_servers: int = 2) -> Layout:
        """Every port free at the time of the call (tests and benchmarks beside a running profile)."""
        return cls(
            rasa_ports=[free_port() for _ in range(rasa_instances)],
            action_ports=[free_port() for _ in range(action_servers)],
            console_port=free_port(),
            proxy=nginx.ProxyPorts(
                public=free_port(), api=free_port(), console=free_port(), actions=free_port()
            ),
        )


def postgres_url(env: dict[str, str], database: str | None = None) -> str:
    """SQLAlchemy URL of the tracker database from the TRACKER_DB_* variables."""
    password = env["TRACKER_DB_PASSWORD"]
    credentials = quote(env["TRACKER_DB_USER"], safe="") + (
        f":{quote(password, safe='')}" if password else ""
    )
    name = database or env["TRACKER_DB_NAME"]
    return f"postgresql://{credentials}@{env['TRACKER_DB_HOST']}:{env['TRACKER_DB_PORT']}/{name}"


def profile_env(layout: Layout, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every process of the profile gets: given values win over the defaults."""
    env = dict(os.environ if base is None else base)
    for name, value in DEFAULTS.items():
        env.setdefault(name, value)
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{layout.proxy.actions}/webhook")
    env.setdefault("TRACKER_DB_URL", postgres_url(env))  # make purge / retention
    env.setdefault("HANDOFF_DB_URL", env["TRACKER_DB_URL"])
    env.setdefault("CHANNELS_DB_URL", env["TRACKER_DB_URL"])
    env.setdefault("JISR_PROFILE", "production")  # erasing processes refuse to start without their settings
    env.setdefault("REVIEW_SALT_FILE", str(ROOT / "var" / "review.salt"))  # one salt for every process
    env.setdefault("RASA_URL", f"http://127.0.0.1:{layout.proxy.api}")  # console → Rasa API
    env.setdefault("CONSOLE_TRUSTED_PROXIES", "127.0.0.1")  # nginx: its X-Real-IP names the client
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("SANIC_REGISTER", "False")
    env.setdefault("SANIC_HOST", "127.0.0.1")
    # Rasa listens with a backlog of 100 by default: a burst of new proxy connections overflowed it and
    # connecting took more than a minute. 1024 (under the kernel's somaxconn) absorbs it.
    env.setdefault("SANIC_BACKLOG", "1024")
    # Sanic answers 408 when a request is not read within 60 s; under a burst a busy instance reads late.
    env.setdefault("SANIC_REQUEST_TIMEOUT", "300")
    return prod_settings.secure(request_limits(env))


def _reachable(host: str, port: int, timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def check_services(env: dict[str, str]) -> list[str]:
    """A clear line per backing service that does not answer."""
    problems = []
    for label, host, port in (
        ("PostgreSQL (TRACKER_DB_HOST/PORT)", env["TRACKER_DB_HOST"], env["TRACKER_DB_PORT"]),
        ("Redis (REDIS_HOST/PORT)", env["REDIS_HOST"], env["REDIS_PORT"]),
        ("RabbitMQ (RABBITMQ_HOST/PORT)", env["RABBITMQ_HOST"], env["RABBITMQ_PORT"]),
    ):
        if not _reachable(host, int(port)):
            problems.append(f"{label} does not answer on {host}:{port}")
    return problems


def prepare_databases(env: dict[str, str]) -> None:
    """Creates the databases and schemas once, before several processes start at the same time."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.handoff.db import connect
    from bot.stores.erasing_tracker_store import erasure_audit

    urls = {env["TRACKER_DB_URL"], env["HANDOFF_DB_URL"], env["CHANNELS_DB_URL"]}
    for url in urls:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() != "postgresql":
            continue
        admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).first()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    tracker = sa.create_engine(env["TRACKER_DB_URL"])
    SQLTrackerStore.Base.metadata.create_all(tracker)  # Rasa's events table
    erasure_audit.metadata.create_all(tracker)
    tracker.dispose()
    connect(env["HANDOFF_DB_URL"]).kw["bind"].dispose()  # runs the handoff migrations


class Profile:
    """The running processes of the profile, by name (``rasa-1``, ``actions-1``, ``console``, ``proxy``)."""

    def __init__(self, layout: Layout, env: dict[str, str], workdir: Path, model: Path = MODEL_FILE) -> None:
        self.layout = layout
        self.env = env
        self.workdir = workdir
        self.model = model
        self.processes: dict[str, subprocess.Popen] = {}
        workdir.mkdir(parents=True, exist_ok=True)

    # -- addresses --------------------------------------------------------------------------------
    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.layout.proxy.public}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.layout.proxy.api}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.layout.proxy.console}"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.layout.rasa_ports[index]}"

    # -- processes --------------------------------------------------------------------------------
    def command(self, name: str) -> tuple[list[str], dict[str, str], str]:
        """Command line, environment and readiness URL of the process called ``name``."""
        kind, _, number = name.partition("-")
        env = dict(self.env)
        if kind == "rasa":
            port = self.layout.rasa_ports[int(number) - 1]
            env["INSTANCE_ID"] = name
            extra = ["--endpoints", str(ENDPOINTS)]
            command = rasa_server_command(port, self.model, extra)
            return command, env, f"http://127.0.0.1:{port}/ready"
        if kind == "actions":
            port = self.layout.action_ports[int(number) - 1]
            return (
                [sys.executable, "-m", "bot.ops.action_server", "--port", str(port)],
                env,
                (f"http://127.0.0.1:{port}/health"),
            )
        if kind == "console":
            port = self.layout.console_port
            return (
                [sys.executable, "-m", "bot.ops.console", "--port", str(port)],
                env,
                (f"http://127.0.0.1:{port}/ready"),
            )
        if kind == "proxy":
            config = nginx.write_config(
                self.workdir / "nginx", self.layout.proxy, self.layout.rasa_ports, self.layout.action_ports,
                [self.layout.console_port],
            )  # fmt: skip
            return nginx.command(config), env, f"{self.public_url}/health"
        raise ValueError(f"unknown process {name!r}")

    def names(self) -> list[str]:
        return (
            [f"actions-{i + 1}" for i in range(self.layout.action_servers)]
            + ["console", "proxy"]
            + [f"rasa-{i + 1}" for i in range(self.layout.rasa_instances)]
        )

    def start(self, name: str) -> subprocess.Popen:
        """Starts one process (logs in ``workdir/<name>.log``) without waiting for it."""
        command, env, _ = self.command(name)
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def wait_ready(self, name: str, timeout: float = 600.0) -> None:
        wait_until_ready(self.command(name)[2], timeout=timeout, process=self.processes[name])

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            stop([process])

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash would."""
        process = self.processes.pop(name)
        process.kill()
        process.wait()

    def start_all(self, timeout: float = 600.0) -> None:
        prepare_databases(self.env)
        for name in self.names():
            self.start(name)
        for name in self.names():
            self.wait_ready(name, timeout)

    def stop_all(self) -> None:
        stop([self.processes[name] for name in reversed(list(self.processes))])
        self.processes.clear()

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}


def main() -> None:
    """CLI: ``python -m bot.ops.prod [--rasa N] [--actions M]`` (``make run-prod``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa", type=int, help="Rasa instances (RASA_INSTANCES, default 2)")
    parser.add_argument("--actions", type=int, help="action servers (ACTION_SERVERS, default 2)")
    args = parser.parse_args()
    layout = Layout.from_env(args.rasa, args.actions)
    env = profile_env(layout)
    problems = check_services(env)
    if problems:
        raise SystemExit("The production profile needs its services:\n  " + "\n  ".join(problems))
    profile = Profile(layout, env, ROOT / "var" / "prod")
    print(f"Starting {layout.rasa_instances} Rasa instance(s), {layout.action_servers} action server(s), "
          f"the console and nginx (logs in var/prod/)…", flush=True)  # fmt: skip
    try:
        profile.start_all()
        instances = ", ".join(profile.rasa_url(i) for i in range(layout.rasa_instances))
        print(
            f"\nJisr production profile ready.\n"
            f"  REST channel (through nginx): POST {profile.public_url}/webhooks/rest/webhook\n"
            f"  Rasa HTTP API (internal):     {profile.api_url}\n"
            f"  Caseworker console:           {profile.console_url}/\n"
            f"  Rasa instances:               {instances}  (GET /health, /ready, /metrics)\n"
            f"  Action servers:               "
            + ", ".join(f"http://127.0.0.1:{p}" for p in layout.action_ports)
            + "  (GET /health, /ready, /metrics)\n"
            f"  Console metrics:              http://127.0.0.1:{layout.console_port}/metrics\n"
            f"  Stop: Ctrl-C\n",
            flush=True,
        )
        while all(p.poll() is None for p in profile.processes.values()):
            time.sleep(0.5)
        dead = [name for name, p in profile.processes.items() if p.poll() is not None]
        print(f"stopped: {', '.join(dead)} exited (see var/prod/<name>.log)", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        profile.stop_all()


if __name__ == "__main__":
    main()
