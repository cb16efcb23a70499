"""The reverse proxy of the production profile: an nginx configuration written from the layout.

Four listeners, all on loopback here:

- public (``PROXY_PORT``, 8080): only the channels' webhooks (``/webhooks/…``, round robin over the
  Rasa instances, no stickiness: the Redis lock store serialises one conversation's messages
  across instances) and socket.io (hashed on the client address, because socket.io's polling
  transport keeps per-connection state in one instance);
- Rasa API (``PROXY_API_PORT``, 8085): Rasa's whole HTTP API for the console's delivery worker and
  operators; never exposed publicly;
- console (``PROXY_CONSOLE_PORT``, 8081): the caseworker console, unbuffered for its live updates;
- actions (``PROXY_ACTIONS_PORT``, 8055): the action servers, for the Rasa instances only.

A POST is never replayed on another instance once it reached one (nginx's default for
non-idempotent requests), so a slow instance cannot cause a message to be handled twice.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


@dataclass(frozen=True)
class ProxyPorts:
    public: int = 8080
    api: int = 8085
    console: int = 8081
    actions: int = 8055


def nginx_binary() -> str | None:
    """nginx on PATH or in /usr/sbin (not on a non-root PATH on Debian)."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _servers(ports: list[int], extra: str = "") -> str:
    return "\n".join(f"    server 127.0.0.1:{port}{extra};" for port in ports)


def render_config(
    workdir: Path, proxy: ProxyPorts, rasa_ports: list[int], action_ports: list[int], console_ports: list[int]
) -> str:
    """nginx.conf for the given upstream ports; paths (pid, logs, temp files) stay under ``workdir``."""
    temp = "\n".join(f"  {name}_temp_path {workdir / 'tmp' / name};" for name in TEMP_DIRS)
    forwarded = (
        "      proxy_http_version 1.1;\n"
        '      proxy_set_header Connection "";\n'
        "      proxy_set_header Host $host;\n"
        "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        # the client's address as nginx saw it, replacing any X-Real-IP the client sent (the console's
        # login rate limit trusts it from this proxy only: CONSOLE_TRUSTED_PROXIES)
        "      proxy_set_header X-Real-IP $remote_addr;\n"
        "      proxy_set_header X-Forwarded-Proto $scheme;\n"
        # A refused or broken connection moves a request to the next instance. No instance is ever marked
        # down (max_fails=0): nginx counts slow answers as failures, and a burst of slow messages took
        # every instance out at once ("no live upstreams"). A dead instance is refused in microseconds.
        "      proxy_next_upstream error;\n"
    )
    return f"""# Written by bot/ops/nginx.py for make run-prod; do not edit (regenerated at each start).
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
{temp}
  # Bodies and responses stay in memory: Rasa's calls to the action servers carry the whole tracker
  # and domain, and the workers (user nobody under a root master) may not reach the temp folders.
  client_max_body_size 8m;
  client_body_buffer_size 8m;
  proxy_max_temp_file_size 0;
  upstream rasa {{
{_servers(rasa_ports, " max_fails=0")}
    keepalive 256;
  }}
  upstream rasa_sticky {{
    hash $remote_addr consistent;
{_servers(rasa_ports)}
  }}
  upstream actions {{
{_servers(action_ports, " max_fails=0")}
    keepalive 32;
  }}
  upstream console {{
{_servers(console_ports)}
    keepalive 8;
  }}
  server {{
    listen 127.0.0.1:{proxy.public};
    location /webhooks/ {{
      proxy_pass http://rasa;
{forwarded}      proxy_read_timeout 300s;
    }}
    location /socket.io/ {{
      proxy_pass http://rasa_sticky;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $host;
    }}
    location = /health {{ return 200 "ok\\n"; }}
    location / {{ return 404; }}
  }}
  server {{
    listen 127.0.0.1:{proxy.api};
    location / {{
      proxy_pass http://rasa;
{forwarded}      proxy_read_timeout 300s;
    }}
  }}
  server {{
    listen 127.0.0.1:{proxy.actions};
    location / {{
      proxy_pass http://actions;
{forwarded}      proxy_read_timeout 300s;
    }}
  }}
  server {{
    listen 127.0.0.1:{proxy.console};
    location / {{
      proxy_pass http://console;
{forwarded}      proxy_buffering off;
      proxy_read_timeout 700s;
    }}
  }}
}}
"""


def write_config(workdir: Path, *args, **kwargs) -> Path:
    """Writes ``nginx.conf`` and its temp folders (owned by the worker user when run as root)."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in TEMP_DIRS:
        folder = workdir / "tmp" / name
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # nginx's workers drop to "nobody" when the master runs as root
            nobody = pwd.getpwnam("nobody")
            os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    path = workdir / "nginx.conf"
    path.write_text(render_config(workdir, *args, **kwargs), encoding="utf-8")
    return path


def supervised_command(config: Path) -> list[str]:
    """nginx for supervisord: :func:`main` clears a crashed master's workers, then becomes nginx."""
    return [sys.executable, "-m", "bot.ops.nginx", str(config)]


def command(config: Path) -> list[str]:
    """nginx in the foreground with ``config``; fails clearly when nginx is not installed."""
    binary = nginx_binary()
    if binary is None:
        raise SystemExit("nginx is not installed: run `bash scripts/ensure_nginx.sh` (Debian: nginx-light)")
    return [binary, "-c", str(config), "-p", str(config.parent), "-g", "daemon off;"]


def orphaned_workers(pid_file: Path) -> list[int]:
    """Workers left by a master that died without stopping them (killed with SIGKILL): they still
    hold the listening sockets, so a new master could not bind. They are the processes of the dead
    master's process group whose name is ``nginx: worker process``."""
    try:
        master = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return []
    if Path(f"/proc/{master}").exists():
        return []  # the master is alive: nothing is orphaned
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            name = (entry / "cmdline").read_bytes().split(b"\0")[0]
        except (OSError, IndexError):
            continue
        if int(fields[2]) == master and name.startswith(b"nginx: worker"):
            found.append(int(entry.name))
    return found


def main() -> None:
    """``python -m bot.ops.nginx CONFIG``: nginx in the foreground for supervisord, after asking the
    workers a crashed master left behind to shut down gracefully (SIGQUIT): they close their listening
    sockets at once, so the replacement master can bind, and finish the requests they are serving."""
    import signal
    import time

    config = Path(sys.argv[1])
    orphans = orphaned_workers(config.parent / "nginx.pid")
    for pid in orphans:
        os.kill(pid, signal.SIGQUIT)
    if orphans:
        time.sleep(0.2)  # the sockets are closed first; nginx retries a bind that still fails
    binary, *arguments = command(config)
    os.execv(binary, [binary, *arguments])


if __name__ == "__main__":
    main()
