"""supervisord for the production profile: its configuration, written from the profile, and its control.

supervisord (http://supervisord.org) runs every process of the profile in the foreground
(``nodaemon``). A process that dies is started again after a back-off (``startretries`` attempts,
1 s, 2 s, 3 s… apart, while it does not stay up ``startsecs``); one that keeps failing to start
enters FATAL and stays down, and :mod:`bot.ops.crash_watch` reports it (and stops a process that
keeps crashing after having started). SIGINT or SIGTERM to supervisord stops every process
(``stopsignal``, then SIGKILL after ``stopwaitsecs``, to the whole process group).

The control socket is a Unix socket in the profile's folder, readable by its owner only.
Every program inherits supervisord's environment, which the profile builds in one place
(:func:`bot.ops.prod.profile_env`), so a new setting reaches every process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shlex
import signal
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)


@dataclass(frozen=True)
class Program:
    """One supervised process."""

    name: str
    command: list[str]
    priority: int  # lower starts first and stops last
    environment: dict[str, str] = field(default_factory=dict)
    startsecs: int = 10  # up this long = started; a crash before it counts as a failed start
    startretries: int = 3  # failed starts in a row before FATAL
    stopsignal: str = "INT"  # Sanic servers finish their requests on SIGINT
    stopwaitsecs: int = 15


def _escaped(value: str) -> str:
    """supervisord expands ``%(name)s`` in its values: a literal ``%`` is written ``%%``."""
    return value.replace("%", "%%")


def render_config(
    programs: list[Program], workdir: Path, logdir: Path, directory: Path, crash_watch: list[str]
) -> str:
    """supervisord.conf for ``programs``: socket and pid file in ``workdir``, logs in ``logdir``."""
    socket_path = workdir / "supervisor.sock"
    lines = [
        "; Written by bot/ops/supervision.py for make run-prod; do not edit (regenerated at each start).",
        "[unix_http_server]",
        f"file={_escaped(str(socket_path))}",
        "chmod=0700",
        "",
        "[supervisord]",
        "nodaemon=true",
        f"logfile={_escaped(str(logdir / 'supervisord.log'))}",
        f"pidfile={_escaped(str(workdir / 'supervisord.pid'))}",
        f"childlogdir={_escaped(str(logdir))}",
        f"directory={_escaped(str(directory))}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_escaped(str(socket_path))}",
    ]
    for program in programs:
        environment = ",".join(f'{key}="{_escaped(value)}"' for key, value in program.environment.items())
        lines += [
            "",
            f"[program:{program.name}]",
            f"command={_escaped(shlex.join(program.command))}",
            f"directory={_escaped(str(directory))}",
            f"priority={program.priority}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={program.startsecs}",
            f"startretries={program.startretries}",
            f"stopsignal={program.stopsignal}",
            f"stopwaitsecs={program.stopwaitsecs}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_escaped(str(logdir / (program.name + '.log')))}",
            "stdout_logfile_maxbytes=50MB",
            "stdout_logfile_backups=3",
        ] + ([f"environment={environment}"] if environment else [])
    lines += [
        "",
        "[eventlistener:crash-watch]",
        f"command={_escaped(shlex.join(crash_watch))}",
        f"directory={_escaped(str(directory))}",
        "events=PROCESS_STATE_EXITED,PROCESS_STATE_FATAL,PROCESS_STATE_RUNNING",
        "autorestart=true",
        "stdout_logfile=NONE",  # the event protocol
        f"stderr_logfile={_escaped(str(logdir / 'crash-watch.log'))}",
        "",
    ]
    return "\n".join(lines)


def write_config(programs: list[Program], workdir: Path, logdir: Path, directory: Path) -> Path:
    """Writes ``supervisord.conf`` in ``workdir``, a folder only its owner may enter (the control
    socket is there, and command lines may carry a token)."""
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o700)
    path = workdir / "supervisord.conf"
    crash_watch = [sys.executable, "-m", "bot.ops.crash_watch", "--report", str(workdir / "failed.json")]
    text = render_config(programs, workdir, logdir, directory, crash_watch)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def supervisord_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "supervisor.supervisord", "--nodaemon", "--configuration", str(config)]


def _terminate_with_parent() -> None:
    """supervisord gets SIGTERM (and stops every program) if the process that started it dies."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    """A supervisord running in the foreground as a child, and its XML-RPC interface."""

    def __init__(self, config: Path, env: dict[str, str], log: Path) -> None:
        self.config = config
        self.env = env
        self.log = log
        self.socket = config.parent / "supervisor.sock"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                supervisord_command(self.config),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_terminate_with_parent,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.rpc().supervisor.getState()
                return
            except (OSError, xmlrpc.client.Fault) as error:
                if self.process.poll() is not None:
                    code = self.process.returncode
                    raise RuntimeError(f"supervisord exited with code {code} (see {self.log})") from error
                if time.monotonic() > deadline:
                    raise TimeoutError("supervisord did not open its socket") from None
                time.sleep(0.2)

    def rpc(self) -> xmlrpc.client.ServerProxy:
        transport = SupervisorTransport(None, None, f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def info(self) -> dict[str, dict]:
        """Name → supervisord's process info (``statename``, ``pid``…) of every program."""
        return {entry["name"]: entry for entry in self.rpc().supervisor.getAllProcessInfo()}

    def pid(self, name: str) -> int:
        return int(self.rpc().supervisor.getProcessInfo(name)["pid"])

    def start_program(self, name: str) -> None:
        try:
            self.rpc().supervisor.startProcess(name, False)
        except xmlrpc.client.Fault as fault:
            if "ALREADY_STARTED" not in fault.faultString:
                raise

    def stop_program(self, name: str) -> None:
        try:
            self.rpc().supervisor.stopProcess(name, True)
        except xmlrpc.client.Fault as fault:
            if "NOT_RUNNING" not in fault.faultString:
                raise

    def stop(self, timeout: float = 90.0) -> None:
        """SIGTERM to supervisord: it stops every program, then exits."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
