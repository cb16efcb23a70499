"""Creates the databases and applies the migrations once (``python -m bot.ops.migrate``).

The Kubernetes Job and the compose ``migrate`` service run it before the servers start, so that
several replicas never race to create the same tables. It reads ``TRACKER_DB_URL``,
``HANDOFF_DB_URL`` and ``CHANNELS_DB_URL`` (deploy/environment.yml) and refuses to start without
them: defaults would point at SQLite files inside a container.
"""

from __future__ import annotations

import os

from bot.ops.environment import Contract

PROCESS = "migrate"


def main() -> None:
    missing = [name for name in Contract.load().required_by(PROCESS) if not os.environ.get(name)]
    if missing:
        raise SystemExit(f"bot.ops.migrate: missing environment variable(s): {', '.join(missing)}")
    from bot.ops.prod import prepare_databases

    prepare_databases(dict(os.environ))
    print("databases ready", flush=True)


if __name__ == "__main__":
    main()
