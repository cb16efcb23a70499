"""Bounded retries with backoff for calls to the messaging platforms' APIs.

Rate limits (HTTP 429 with a retry-after), server errors (5xx) and timeouts are usually
transient: the call is retried a bounded number of times with exponential backoff (a server's
retry-after is honoured when it is not longer than the maximum delay). A call that still fails is
logged with the operation and the error only, never the message text, and ``None`` is returned:
the conversation itself is already stored by Rasa and goes on with the citizen's next message.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Awaitable, Callable, TypeVar

from bot.settings import get_settings

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``attempts`` counts the first call."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """``CHANNEL_RETRY_ATTEMPTS``, ``CHANNEL_RETRY_BASE_DELAY``, ``CHANNEL_RETRY_MAX_DELAY`` (seconds)."""
        settings = get_settings()
        return cls(
            attempts=max(1, settings.channel_retry_attempts),
            base_delay=max(0.0, settings.channel_retry_base_delay),
            max_delay=max(0.0, settings.channel_retry_max_delay),
        )

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1, 2, …): exponential, capped, with jitter."""
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return delay * random.uniform(0.75, 1.0)


class Retryable(Exception):
    """Raised by a classifier's caller when an answer (status code) says "try again"."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


#: A classifier gives ``None`` for "do not retry", else the server's wait in seconds (0 = use backoff).
Classifier = Callable[[Exception], "float | None"]


async def with_retries(
    operation: Callable[[], Awaitable[T]],
    classify: Classifier,
    policy: RetryPolicy,
    what: str,
) -> T | None:
    """Runs ``operation`` until it succeeds or retries are exhausted; ``None`` if it never did.

    ``what`` names the call in the log (e.g. ``"telegram sendMessage to tg-…"``): no message text.
    """
    for attempt in range(1, policy.attempts + 1):
        try:
            return await operation()
        except Exception as error:
            wait = classify(error)
            reason = getattr(error, "reason", None) or type(error).__name__
            if wait is None:
                logger.warning("%s failed, not retried: %s", what, reason)
                return None
            if attempt == policy.attempts:
                logger.warning("%s failed after %d attempts: %s", what, attempt, reason)
                return None
            if wait > policy.max_delay:
                logger.warning("%s failed: the server asks to wait %.0fs, over the maximum", what, wait)
                return None
            delay = max(wait, policy.backoff(attempt))
            logger.info("%s failed (%s); retry %d in %.2fs", what, reason, attempt, delay)
            await asyncio.sleep(delay)
    return None
