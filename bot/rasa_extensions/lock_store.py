"""Rasa's Redis lock store, reconnecting after a Redis restart (``lock_store.type`` in endpoints.prod.yml).

Rasa's ``RedisLockStore`` builds its redis-py client without retries, so after a Redis restart each
pooled connection failed its next command, and with it a citizen's message. This subclass, loaded by
Rasa like any custom lock store, gives the client redis-py's own retry settings: a dropped
connection is reopened and the command retried (twice, with a short backoff) before a message fails.
"""

from __future__ import annotations

from typing import Any

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

RETRIES = 2


class RetryingRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose connections are reopened and whose commands are retried once dropped."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        # Rasa builds a custom lock store from its endpoint configuration, as it builds the Redis one
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)
        self.red.connection_pool.connection_kwargs.update(
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
