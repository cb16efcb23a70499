"""What went wrong when a message failed: which backing service, from the exception chain."""

from __future__ import annotations

TRACKER_STORE = "tracker_store"
LOCK_STORE = "lock_store"
OTHER = "other"


def _chain(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def failure_reason(error: BaseException) -> str:
    """``tracker_store`` (SQL database), ``lock_store`` (Redis / Rasa lock) or ``other``."""
    import redis.exceptions
    import sqlalchemy.exc
    from rasa.core.lock_store import LockError

    for link in _chain(error):
        if isinstance(link, (redis.exceptions.RedisError, LockError)):
            return LOCK_STORE
        if isinstance(link, sqlalchemy.exc.SQLAlchemyError):
            return TRACKER_STORE
        if type(link).__module__.startswith("psycopg2"):
            return TRACKER_STORE
    return OTHER
