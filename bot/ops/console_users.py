"""Console user administration, the user sub-commands of ``python -m bot.ops.console``.

``python -m bot.ops.console create-user --role supervisor --username x`` (``make console-user``),
``set-password`` and ``deactivate``. The password is read from a prompt (twice) or, with ``--password-stdin``, from the first line of
standard input (for scripts); there is no default password anywhere.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys

import sqlalchemy as sa

from bot.console.auth import hash_password, password_problem
from bot.handoff.models import ROLES, StaffUser
from bot.handoff.store import HandoffStore

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("error: the two passwords differ")
    return first


def create_user(args: argparse.Namespace) -> int:
    if not _USERNAME.match(args.username):
        print("error: username must be 2-64 lowercase letters, digits, '.', '_' or '-'", file=sys.stderr)
        return 2
    password = _read_password(args.password_stdin)
    problem = password_problem(password)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    store = HandoffStore(args.db)
    if store.staff_by_username(args.username) is not None:
        print(f"error: user '{args.username}' already exists", file=sys.stderr)
        return 1
    user = store.add_staff(
        args.username, args.display_name or args.username, hash_password(password), args.role
    )
    store.audit(None, "user_created", None, f"{args.username} ({args.role}) by CLI")
    print(f"created {args.role} '{args.username}' (id {user.id})")
    return 0


def set_password(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    problem = password_problem(password)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    values = {"password_hash": hash_password(password), "active": True}
    return _update_user(args, values, "password_set", f"password of '{args.username}' changed")


def deactivate(args: argparse.Namespace) -> int:
    return _update_user(
        args, {"active": False}, "user_deactivated", f"'{args.username}' can no longer log in"
    )


def _update_user(args: argparse.Namespace, values: dict, event: str, done: str) -> int:
    """Changes one user, ends every open session of theirs (epoch + 1) and audits it."""
    store = HandoffStore(args.db)
    with store.sessions.begin() as session:
        result = session.execute(
            sa.update(StaffUser)
            .where(StaffUser.username == args.username)
            .values(**values, session_epoch=StaffUser.session_epoch + 1)
        )
    if result.rowcount != 1:
        print(f"error: no user '{args.username}'", file=sys.stderr)
        return 1
    store.audit(None, event, None, f"{args.username} by CLI")
    print(done)
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Adds ``create-user``, ``set-password`` and ``deactivate`` to the console's sub-commands."""
    create = commands.add_parser("create-user", help="add a console user")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--display-name")
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    create.set_defaults(run=create_user)
    passwd = commands.add_parser("set-password", help="change a user's password (and re-activate)")
    passwd.add_argument("--username", required=True)
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(run=set_password)
    off = commands.add_parser("deactivate", help="stop a user from logging in")
    off.add_argument("--username", required=True)
    off.set_defaults(run=deactivate)
