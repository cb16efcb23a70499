"""Attack: another local account drives supervisord's control socket to stop the assistant.

Whoever can talk to supervisord's XML-RPC socket can stop every Rasa instance (stalling every
citizen's conversation), start programs, or read process details. The socket and the folder holding it
(with the configuration) must be reachable by the profile's own account only. The attack is run for
real: a client process under the unprivileged ``nobody`` account tries the socket.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from bot.ops.supervision import Program, Supervisor, write_config
from bot.settings import ROOT

SYSTEM_PYTHON = "/usr/bin/python3"

#: The attacker's client, standard library only (the project's interpreter lives in root's home).
CLIENT = """
import socket, sys
body = (b"<?xml version='1.0'?><methodCall><methodName>supervisor.stopProcess</methodName><params>"
        b"<param><value><string>sleeper</string></value></param><param><value><boolean>0</boolean></value>"
        b"</param></params></methodCall>")
try:
    client = socket.socket(socket.AF_UNIX)
    client.connect(sys.argv[1])
except OSError as error:
    print("refused", type(error).__name__)
    sys.exit(0)
client.sendall(b"POST /RPC2 HTTP/1.0\\r\\nContent-Type: text/xml\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
print("sent", client.recv(4096)[:200])
"""


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A profile folder other accounts may enter (pytest's own temporary folders are owner-only)."""
    folder = Path(tempfile.mkdtemp(prefix="jisr-supervision-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_another_local_account_cannot_stop_programs_through_the_control_socket(open_folder):
    if os.geteuid() != 0:
        pytest.fail("runs as root (as in CI) to act as another account")
    tmp_path = open_folder
    program = Program("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"], 10, startsecs=1)
    config = write_config([program], tmp_path / "supervision", tmp_path, ROOT)
    supervisor = Supervisor(config, {**os.environ, "PYTHONPATH": str(ROOT)}, tmp_path / "supervisord.out")
    supervisor.start()
    try:
        attempt = subprocess.run(
            [SYSTEM_PYTHON, "-c", CLIENT, str(supervisor.socket)], user="nobody", capture_output=True,
            text=True, timeout=60, env={}, cwd="/",
        )  # fmt: skip
        assert attempt.stdout.startswith("refused"), attempt.stdout + attempt.stderr
        assert supervisor.info()["sleeper"]["statename"] in ("STARTING", "RUNNING")
    finally:
        supervisor.stop()
