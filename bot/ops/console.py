"""The caseworker console's one entry point: ``python -m bot.ops.console [--db URL] [COMMAND]``.

- ``serve`` (the default, ``make console``): the console of :mod:`bot.console` with its delivery
  worker, plus ``GET /ready`` and ``GET /metrics`` (:mod:`bot.ops.console_metrics`), on
  ``CONSOLE_HOST``:``CONSOLE_PORT`` (127.0.0.1:5006);
- ``create-user``, ``set-password``, ``deactivate`` (``make console-user``): console users
  (:mod:`bot.ops.console_users`).

``--db`` names the console database (default ``HANDOFF_DB_URL``, else ``var/handoff.db``) for every
command. Several console instances can run behind the proxy: sessions are signed cookies (same
``CONSOLE_SECRET_FILE`` key everywhere) and delivery workers share the outbox through leases.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from sanic import Sanic

from bot.console.app import create_app as create_console_app
from bot.console.config import ConsoleConfig
from bot.content_errors import ContentError
from bot.ops import console_users
from bot.ops.console_metrics import readiness_blueprint
from bot.privacy.redaction import install_log_redaction


def create_app(config: ConsoleConfig | None = None) -> Sanic:
    """The console app with ``/ready`` and ``/metrics``."""
    app = create_console_app(config)
    app.blueprint(readiness_blueprint())
    return app


def serve(args: argparse.Namespace) -> int:
    """Runs the console until it is stopped."""
    config = ConsoleConfig.from_env()
    config = dataclasses.replace(
        config, host=args.host or config.host, port=args.port or config.port, db_url=args.db or config.db_url
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    try:
        app = create_app(config)
    except ContentError as error:
        raise SystemExit(f"console content files have problems:\n{error}") from error
    app.run(host=config.host, port=config.port, workers=1, access_log=False, motd=False)
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.console", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--db", help="console database URL (default: HANDOFF_DB_URL or var/handoff.db)")
    parser.set_defaults(run=serve, host=None, port=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("serve", help="run the console (the default)")
    run.add_argument("--host", help="listen address (default: CONSOLE_HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default: CONSOLE_PORT or 5006)")
    run.set_defaults(run=serve)
    console_users.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
