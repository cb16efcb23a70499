"""``python -m bot.console`` (``make console``): the caseworker console alone, on CONSOLE_PORT (5006)."""

from __future__ import annotations

import argparse
import dataclasses
import logging

from bot.console.app import create_app
from bot.console.config import ConsoleConfig
from bot.content_errors import ContentError
from bot.privacy.redaction import install_log_redaction


def main() -> None:
    config = ConsoleConfig.from_env()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=config.host)
    parser.add_argument("--port", type=int, default=config.port)
    args = parser.parse_args()
    config = dataclasses.replace(config, host=args.host, port=args.port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    try:
        app = create_app(config)
    except ContentError as error:
        raise SystemExit(f"console content files have problems:\n{error}") from error
    app.run(host=config.host, port=config.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
