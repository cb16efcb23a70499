"""``python -m bot.ops.console`` is the console's one entry point: serving and user administration."""

from __future__ import annotations

from bot.console.config import ConsoleConfig
from bot.ops import console, console_users


def test_without_a_command_the_console_serves():
    args = console.parser().parse_args([])
    assert args.run is console.serve
    assert (args.host, args.port, args.db) == (None, None, None)


def test_serve_takes_the_listen_address_and_the_database():
    args = console.parser().parse_args(
        ["--db", "sqlite:///x.db", "serve", "--host", "0.0.0.0", "--port", "5010"]
    )
    assert args.run is console.serve
    assert (args.host, args.port, args.db) == ("0.0.0.0", 5010, "sqlite:///x.db")


def test_user_commands_share_the_database_option():
    create = console.parser().parse_args(
        ["--db", "sqlite:///x.db", "create-user", "--username", "amal", "--role", "editor"]
    )
    assert create.run is console_users.create_user and create.db == "sqlite:///x.db"
    assert (
        console.parser().parse_args(["set-password", "--username", "amal"]).run is console_users.set_password
    )
    assert console.parser().parse_args(["deactivate", "--username", "amal"]).run is console_users.deactivate


def test_the_served_app_has_the_console_pages_readiness_and_metrics(tmp_path):
    app = console.create_app(ConsoleConfig(secret_file=tmp_path / "console.key"))
    paths = {"/" + "/".join(parts) for parts in app.router.routes_all}
    assert {
        "/",
        "/login",
        "/health",
        "/ready",
        "/metrics",
        "/queue",
        "/review",
        "/supervisor",
        "/audit",
    } <= paths
