"""What ``rasa run`` is given through Rasa's plugin manager (pluggy hooks of ``rasa/plugin.py``).

Rasa's command line calls the ``configure_commandline`` hook with the parsed arguments before it
runs the command, and ``rasa run`` hands those arguments to ``rasa.core.run.serve_application``.
:class:`RasaServerPlugin` implements that hook to set

- the secret of the HTTP API (``jwt_secret``, ``jwt_method``), read from the environment by the
  launcher, so that it never appears on a command line (``auth_token`` is cleared);
- ``server_listeners``, a documented parameter of ``serve_application``: the operations endpoints
  are added to Rasa's Sanic app before it starts (``main_process_start``), and the loaded agent's
  tracker store is made to fail rather than forget (``after_server_start``).
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

import pluggy

from bot.rasa_extensions import failure_handling
from bot.rasa_extensions.ops_routes import add_ops_routes

hookimpl = pluggy.HookimplMarker("rasa")


async def _after_agent_loaded(app: Any, _loop: Any) -> None:
    agent = getattr(app.ctx, "agent", None)  # Rasa loads it in "before_server_start"
    if agent is not None:
        failure_handling.fail_instead_of_forgetting(agent)


def server_listeners() -> list[tuple[Callable, str]]:
    """Sanic listeners given to ``serve_application``: (function, event)."""
    return [(add_ops_routes, "main_process_start"), (_after_agent_loaded, "after_server_start")]


class RasaServerPlugin:
    """Implementation of Rasa's ``configure_commandline`` hook for ``rasa run``."""

    def __init__(self, api_secret: str, jwt_method: str) -> None:
        self.api_secret = api_secret
        self.jwt_method = jwt_method

    @hookimpl
    def configure_commandline(self, cmdline_arguments: argparse.Namespace) -> str | None:
        from rasa.cli.run import run

        if getattr(cmdline_arguments, "func", None) is not run:
            return None  # another command (``rasa run actions``, …): nothing of the server to set
        cmdline_arguments.auth_token = None
        cmdline_arguments.jwt_secret = self.api_secret
        cmdline_arguments.jwt_method = self.jwt_method
        cmdline_arguments.server_listeners = server_listeners()
        return None  # no endpoints file of a plugin: Rasa's telemetry and managers keep their defaults
