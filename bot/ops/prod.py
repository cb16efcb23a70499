"""Production profile on one machine (``make run-prod``): N Rasa instances, M action servers, the
console and nginx in front, on PostgreSQL, Redis and RabbitMQ, all under supervisord
(:mod:`bot.ops.supervision`): a crashed process is started again while the others keep serving.
Ctrl-C or SIGTERM stops everything.

Every setting is an environment variable (docs/deploy.md lists them); unset ones get loopback
defaults, which only a local trial (``JISR_LOCAL_TRIAL=1``) accepts: otherwise the profile refuses
default credentials (:mod:`bot.ops.prod_settings`).
The same code starts the profile for the tests (tests/test_prod_profile.py) and ``make bench-load``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time
import urllib.request
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bot.launcher import StopRequested, rasa_server_command, request_limits, stop_on_sigterm
from bot.ops import nginx, prod_settings
from bot.ops.supervision import Program, Supervisor, write_config
from bot.settings import ROOT, get_settings
from bot.training import MODEL_FILE

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
        settings = get_settings()
        rasa_instances = rasa_instances or settings.rasa_instances
        action_servers = action_servers or settings.action_servers
        return cls(
            rasa_ports=[settings.rasa_base_port + i for i in range(rasa_instances)],
            action_ports=[settings.actions_base_port + i for i in range(action_servers)],
            console_port=settings.console_port,
            proxy=nginx.ProxyPorts(
                public=settings.proxy_port,
                api=settings.proxy_api_port,
                console=settings.proxy_console_port,
                actions=settings.proxy_actions_port,
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

    from bot.privacy.erasure_audit import erasure_audit
    from bot.stores.console_database import connect

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
    """The processes of the profile under supervisord, by name (``rasa-1``, ``actions-1``, ``console``,
    ``proxy``): a crashed one is started again by supervisord while the others keep serving."""

    def __init__(self, layout: Layout, env: dict[str, str], workdir: Path, model: Path = MODEL_FILE) -> None:
        self.layout = layout
        self.env = env
        self.workdir = workdir
        self.model = model
        self.supervisor: Supervisor | None = None
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

    # -- programs ---------------------------------------------------------------------------------
    def program(self, name: str) -> tuple[Program, str]:
        """The supervised program called ``name`` and its readiness URL."""
        kind, _, number = name.partition("-")
        if kind == "rasa":
            port = self.layout.rasa_ports[int(number) - 1]
            extra = ["--endpoints", str(ENDPOINTS)]
            command = rasa_server_command(port, self.model, extra)
            return Program(name, command, 30, {"INSTANCE_ID": name}), f"http://127.0.0.1:{port}/ready"
        if kind == "actions":
            port = self.layout.action_ports[int(number) - 1]
            command = [sys.executable, "-m", "bot.ops.action_server", "--port", str(port)]
            return Program(name, command, 10), f"http://127.0.0.1:{port}/health"
        if kind == "console":
            port = self.layout.console_port
            command = [sys.executable, "-m", "bot.ops.console", "serve", "--port", str(port)]
            return Program(name, command, 20), f"http://127.0.0.1:{port}/ready"
        if kind == "proxy":
            config = nginx.write_config(
                self.workdir / "nginx", self.layout.proxy, self.layout.rasa_ports, self.layout.action_ports,
                [self.layout.console_port],
            )  # fmt: skip
            nginx.command(config)  # fails clearly here when nginx is not installed
            program = Program(name, nginx.supervised_command(config), 40, startsecs=2, stopsignal="TERM")
            return program, f"{self.public_url}/health"
        raise ValueError(f"unknown process {name!r}")

    def ready_url(self, name: str) -> str:
        """The URL that answers 200 once ``name`` serves."""
        if name == "proxy":
            return f"{self.public_url}/health"
        return self.program(name)[1]

    def names(self) -> list[str]:
        return (
            [f"actions-{i + 1}" for i in range(self.layout.action_servers)]
            + ["console", "proxy"]
            + [f"rasa-{i + 1}" for i in range(self.layout.rasa_instances)]
        )

    def _supervisor(self) -> Supervisor:
        if self.supervisor is None:
            raise RuntimeError("the profile is not running")
        return self.supervisor

    @property
    def processes(self) -> dict[str, int]:
        """Name → pid of every program supervisord runs now."""
        return {name: info["pid"] for name, info in self._supervisor().info().items() if info["pid"]}

    def pids(self) -> dict[str, int]:
        return self.processes

    def start(self, name: str) -> None:
        """Starts a program an operator (or :meth:`stop`) had stopped, without waiting for it."""
        self._supervisor().start_program(name)

    def stop(self, name: str) -> None:
        """Stops one program; supervisord leaves it down until :meth:`start`."""
        self._supervisor().stop_program(name)

    def kill(self, name: str) -> int:
        """SIGKILL, as a crash would (supervisord starts it again); the pid killed."""
        pid = self._supervisor().pid(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_ready(self, name: str, timeout: float = 600.0) -> None:
        """Until ``name`` answers its readiness URL; raises if supervisord gave up on it."""
        url = self.ready_url(name)
        deadline = time.monotonic() + timeout
        while not answers(url):
            failed = self.failed()
            if name in failed:
                raise RuntimeError(f"{name}: {failed[name]} (see {self.workdir / (name + '.log')})")
            if not self._supervisor().running():
                raise RuntimeError(f"supervisord exited (see {self.workdir / 'supervisord.out'})")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} not ready after {timeout:.0f}s")
            time.sleep(0.5)

    def failed(self) -> dict[str, str]:
        """Programs supervisord will not start again by itself, with the reason."""
        report = self.workdir / "supervision" / "failed.json"
        try:
            failed = {name: entry["reason"] for name, entry in json.loads(report.read_text()).items()}
        except (OSError, ValueError):
            failed = {}
        for name, info in self._supervisor().info().items():
            if info["statename"] == "FATAL":
                failed.setdefault(name, "FATAL: could not start")
        return failed

    def running(self) -> bool:
        """supervisord runs (it exits only when told to stop, or when it is killed)."""
        return self.supervisor is not None and self.supervisor.running()

    def start_all(self, timeout: float = 600.0) -> None:
        prepare_databases(self.env)
        programs = {name: self.program(name)[0] for name in self.names()}
        config = write_config(list(programs.values()), self.workdir / "supervision", self.workdir, ROOT)
        self.supervisor = Supervisor(config, self.env, self.workdir / "supervisord.out")
        self.supervisor.start()
        for name in self.names():
            self.wait_ready(name, timeout)

    def stop_all(self) -> None:
        """supervisord stops every program (stop signal, then SIGKILL to its process group) and exits."""
        if self.supervisor is not None:
            self.supervisor.stop()
            self.supervisor = None


def answers(url: str) -> bool:
    """``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> None:
    """CLI: ``python -m bot.ops.prod [--rasa N] [--actions M]`` (``make run-prod``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa", type=int, help="Rasa instances (RASA_INSTANCES, default 2)")
    parser.add_argument("--actions", type=int, help="action servers (ACTION_SERVERS, default 2)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "prod",
                        help="logs, generated configurations and the control socket (default var/prod)")  # fmt: skip
    args = parser.parse_args()
    layout = Layout.from_env(args.rasa, args.actions)
    env = profile_env(layout)
    problems = check_services(env)
    if problems:
        raise SystemExit("The production profile needs its services:\n  " + "\n  ".join(problems))
    profile = Profile(layout, env, args.workdir)
    where = os.path.relpath(args.workdir, ROOT) if args.workdir.is_relative_to(ROOT) else str(args.workdir)
    print(f"Starting {layout.rasa_instances} Rasa instance(s), {layout.action_servers} action server(s), "
          f"the console and nginx under supervisord (logs in {where}/)…", flush=True)  # fmt: skip
    stop_on_sigterm()
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
            f"  Processes:                    .venv/bin/supervisorctl -c {where}/supervision/supervisord.conf status\n"
            f"  Stop: Ctrl-C\n",
            flush=True,
        )
        reported: set[str] = set()
        while profile.running():
            try:
                failed = profile.failed()
            except (OSError, xmlrpc.client.Error):  # supervisord is stopping
                failed = {}
            for name in sorted(failed.keys() - reported):
                print(
                    f"{name} is down and not restarted: {failed[name]} (see {where}/{name}.log)", flush=True
                )
            reported = set(failed)
            time.sleep(2)
        print(f"supervisord exited (see {where}/supervisord.out)", flush=True)
    except (KeyboardInterrupt, StopRequested):
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        profile.stop_all()


if __name__ == "__main__":
    main()
