"""The console database: handoffs with their transcripts and outbox, console users, the audit log,
login attempts and review items. Connects to it and brings its schema up to date with Alembic.

Its tables are declared on :data:`Base` by :mod:`bot.handoff.models` and :mod:`bot.review.models`;
the migrations are in ``bot/stores/console_migrations``. SQLite ``var/handoff.db`` is the embedded
default; ``HANDOFF_DB_URL`` selects PostgreSQL in production (the variable and the file keep the
names existing deployments use). The action server, the console and the tools all call
:func:`connect`, so whichever starts first migrates the schema; a lock (a file for SQLite, an
advisory lock for PostgreSQL) keeps two processes from migrating at once.
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from bot.privacy.private_files import prepare_sqlite_url, private_file
from bot.settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent / "console_migrations"
_ADVISORY_LOCK_ID = 0x4A495352  # "JISR"

#: The declarative base of every table of the console database.
Base = declarative_base()


def database_url(value: str | None = None) -> str:
    """The console database URL: given, else ``HANDOFF_DB_URL``, else SQLite in ``var/``."""
    if value:
        return value if "://" in value else f"sqlite:///{value}"
    settings = get_settings()
    return settings.handoff_db_url or f"sqlite:///{settings.handoff_db}"


def _alembic_config(connection: sa.engine.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _migration_lock(engine: sa.engine.Engine) -> Iterator[sa.engine.Connection]:
    if engine.dialect.name == "sqlite":
        database = engine.url.database or ""
        lock_path = Path(f"{database}.migrate.lock") if database and database != ":memory:" else None
        if lock_path:
            with private_file(lock_path).open("w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                with engine.begin() as connection:
                    yield connection
            return
        with engine.begin() as connection:
            yield connection
        return
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_ID})
        yield connection


def migrate(engine: sa.engine.Engine) -> None:
    """Upgrades the schema to the newest migration (a no-op when it is current)."""
    with _migration_lock(engine) as connection:
        command.upgrade(_alembic_config(connection), "head")


def create_engine(url: str | None = None) -> sa.engine.Engine:
    """An engine for the console database, with SQLite set up for several processes."""
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        prepare_sqlite_url(resolved)  # owner-only file in an owner-only folder
        engine = sa.create_engine(resolved, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return sa.create_engine(resolved, pool_pre_ping=True, pool_size=5, max_overflow=10)


def connect(url: str | None = None) -> sessionmaker:
    """A session factory on a migrated console database."""
    engine = create_engine(url)
    migrate(engine)
    return sessionmaker(bind=engine, expire_on_commit=False, class_=Session, future=True)
