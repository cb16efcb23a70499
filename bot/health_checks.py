"""Readiness checks shared by every process: a SQL database, Redis, an HTTP dependency.

Each check returns ``"ok"`` or a short reason, never raises, and is bounded in time, so a
readiness probe answers quickly even while a dependency hangs.
"""

from __future__ import annotations

import asyncio
import urllib.request
from typing import Any, Callable

import sqlalchemy as sa

CHECK_TIMEOUT = 3.0


async def _bounded(function: Callable[[], Any], timeout: float = CHECK_TIMEOUT) -> str:
    try:
        await asyncio.wait_for(asyncio.to_thread(function), timeout)
        return "ok"
    except asyncio.TimeoutError:
        return "timeout"
    except Exception as error:  # any failure is a "not ready" with its type, never a 500
        return f"error: {type(error).__name__}"


async def sql_ok(engine: sa.engine.Engine) -> str:
    """``SELECT 1`` on the engine's database."""

    def probe() -> None:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    return await _bounded(probe)


async def redis_ok(client: Any) -> str:
    """``PING`` on a redis-py client."""
    return await _bounded(client.ping)


async def http_ok(url: str) -> str:
    """GET ``url`` answers 2xx."""

    def probe() -> None:
        with urllib.request.urlopen(url, timeout=CHECK_TIMEOUT - 0.5) as response:
            if not 200 <= response.status < 300:
                raise RuntimeError(response.status)

    return await _bounded(probe)
