"""Channel settings from environment variables, named in ``credentials.yml``.

Rasa passes a custom channel the raw mapping of its ``credentials.yml`` entry (no ``${VAR}``
substitution there), so each entry names the environment variables to read and the channel reads
them here. A channel whose required variables are unset is off: Rasa still loads it (every entry
of credentials.yml is loaded), its webhook answers 404 and nothing is sent, so ``make run`` works
with no configuration at all.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from bot.settings import get_settings

logger = logging.getLogger(__name__)


def read_settings(
    channel: str,
    credentials: Mapping[str, Any] | None,
    defaults: Mapping[str, tuple[str, str | None]],
    required: tuple[str, ...],
) -> tuple[dict[str, str | None], list[str]]:
    """Values of the settings and the names of missing required variables.

    ``defaults`` maps a setting to (environment variable name, default value); a credentials
    entry ``setting: OTHER_VARIABLE`` reads another variable instead.
    """
    credentials = credentials or {}
    values: dict[str, str | None] = {}
    missing: list[str] = []
    for setting, (variable, default) in defaults.items():
        name = str(credentials.get(setting) or variable)
        value = (os.environ.get(name) or "").strip() or default
        values[setting] = value
        if setting in required and not value:
            missing.append(name)
    if missing and len(missing) < len(required):
        logger.warning("%s channel is off: %s not set", channel, ", ".join(missing))
    elif missing:
        logger.info("%s channel is off (set %s to turn it on)", channel, ", ".join(missing))
    return values, missing


def http_timeout() -> float:
    """Seconds before an API call times out (``CHANNEL_HTTP_TIMEOUT``)."""
    return get_settings().channel_http_timeout
