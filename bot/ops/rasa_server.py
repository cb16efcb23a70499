"""``rasa run`` with its HTTP API always behind authentication, the secret kept off the command line.

``python -m bot.ops.rasa_server run --enable-api …`` takes every argument of ``rasa run``. Rasa's
own ``--auth-token``/``--jwt-secret`` would put the secret in the process's argv, which every local
user can read in ``/proc/<pid>/cmdline``; they are refused here. The secret is read from
``RASA_TOKEN`` or ``RASA_TOKEN_FILE`` (:mod:`bot.rasa_api`) and handed to Rasa's JWT check, so
the API answers only requests carrying a token signed with it. Without a secret the server does
not start.

Before Rasa's command line runs, :func:`bot.rasa_extensions.install` checks the Rasa version and
applies the assistant's extensions (operations endpoints, failure handling, speed-ups); under
another Rasa release the server does not start either.
"""

from __future__ import annotations

import sys

from bot import rasa_api
from bot.settings import get_settings

#: Options that would carry a secret in argv.
FORBIDDEN_OPTIONS = ("--auth-token", "--jwt-secret", "--jwt-private-key", "-t")


def refused_options(argv: list[str]) -> list[str]:
    """The secret-carrying options present in ``argv``."""
    return [arg for arg in argv if arg.split("=", 1)[0] in FORBIDDEN_OPTIONS]


def main() -> None:
    argv = sys.argv[1:]
    refused = refused_options(argv)
    if refused:
        raise SystemExit(
            f"refused: {', '.join(refused)} would show the secret to every local user; "
            f"set {rasa_api.TOKEN_ENV} or {rasa_api.TOKEN_FILE_ENV} instead"
        )
    try:
        settings = get_settings()
        if not (settings.rasa_token or settings.rasa_token_file):
            raise rasa_api.MissingSecret(f"set {rasa_api.TOKEN_ENV} or {rasa_api.TOKEN_FILE_ENV}")
        secret = rasa_api.api_secret()
    except rasa_api.MissingSecret as error:
        raise SystemExit(f"Rasa's HTTP API is not started without authentication: {error}") from None

    from bot import rasa_extensions
    from bot.rasa_extensions.rasa_version import UnsupportedRasaVersion

    try:
        rasa_extensions.install(api_secret=secret, jwt_method=rasa_api.JWT_METHOD)
    except UnsupportedRasaVersion as error:
        raise SystemExit(f"Rasa is not started: {error}") from None

    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *argv]
    rasa_main()


if __name__ == "__main__":
    main()
