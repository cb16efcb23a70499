"""SQLite files that only their owner can read: conversations, handoffs, channel state.

SQLite creates a database with the process's umask (usually 0644: readable by every local user).
The file is created here first, mode 0600, in a folder created 0700; SQLite then gives its
``-wal`` and ``-shm`` files the database's own mode. A file or the installation's ``var/`` folder
left readable by an older version is tightened at start. Folders chosen by the operator elsewhere
are created 0700 but never changed when they exist (``/tmp`` must stay as it is).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from bot.settings import ROOT

VAR = ROOT / "var"
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_file(path: Path) -> Path:
    """Creates ``path`` (empty) owner-only unless it exists; makes an existing one owner-only."""
    path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if path.parent.resolve() == VAR.resolve() and stat.S_IMODE(path.parent.stat().st_mode) != FOLDER_MODE:
        path.parent.chmod(FOLDER_MODE)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists() and stat.S_IMODE(companion.stat().st_mode) != FILE_MODE:
            companion.chmod(FILE_MODE)
    return path


def secret_file(path: Path, make_secret: Callable[[], bytes]) -> bytes:
    """The secret kept in ``path``; when the file is missing it is created owner-only with ``make_secret()``.

    Why this way: the processes of one installation start together and must share one secret. The new
    secret is written to a private temporary file and hard-linked into place, which fails when the file
    exists, so no process reads a half-written secret and all of them end up with the same one.
    """
    if not path.exists():
        path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(make_secret())
            with contextlib.suppress(FileExistsError):  # another process created it first
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_bytes().strip()


def prepare_sqlite_url(url: str | sa.engine.URL) -> None:
    """Makes the file of a SQLite URL owner-only before SQLite opens it (other databases: nothing)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        private_file(Path(parsed.database))
