"""The retention job (``make purge``, the ``retention`` cron job): ``python -m bot.ops.purge``.

Deletes the conversations past their retention period (bot/privacy/retention.py) and every copy
other stores hold of them; the stores are registered first (:mod:`bot.every_copy`), the
retention rules themselves know none of them.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Iterable

from bot.every_copy import register_every_store
from bot.privacy.erase_hooks import copy_holders
from bot.privacy.erase_settings import is_production, require_erase_settings
from bot.privacy.retention import (
    DEFAULT_POLICY,
    PRODUCTION_ENDPOINTS,
    BrokerSettingsMissing,
    RetentionPolicy,
    announcer,
    connect_broker,
    database_url,
    erase_copies,
    purge,
    purge_idle_copies,
)
from bot.settings import get_settings


def main(argv: Iterable[str] | None = None) -> None:
    """CLI: ``python -m bot.ops.purge [--db URL] [--policy FILE] [--handoff-db URL] [--endpoints FILE]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="SQLAlchemy URL or SQLite file (default: TRACKER_DB_URL / TRACKER_DB)")
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY)
    parser.add_argument("--handoff-db", help="handoff database URL or SQLite file (default: HANDOFF_DB_URL)")
    parser.add_argument(
        "--endpoints",
        type=Path,
        help=f"endpoints file whose event_broker gets the erase events (default: {PRODUCTION_ENDPOINTS.name} "
        "in the production profile, none otherwise)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    policy = RetentionPolicy.load(args.policy)
    if is_production():
        require_erase_settings()
        if not (args.db or get_settings().tracker_db_url):
            raise SystemExit("Production profile: TRACKER_DB_URL (the shared tracker database) is not set")
    endpoints = args.endpoints or (PRODUCTION_ENDPOINTS if is_production() else None)
    register_every_store()
    try:
        asyncio.run(_run(args, policy, endpoints))
    except (BrokerSettingsMissing, ConnectionError) as error:
        raise SystemExit(f"Retention stopped: {error}") from error


async def _run(args: argparse.Namespace, policy: RetentionPolicy, endpoints: Path | None) -> None:
    broker = await connect_broker(endpoints) if endpoints else None  # before anything is deleted
    try:
        announce = announcer(broker, asyncio.get_running_loop()) if broker is not None else None
        purged: list[str] = []
        counts = await asyncio.to_thread(purge, database_url(args.db), policy, None, purged, announce)
        print(f"purged {counts['sensitive']} sensitive and {counts['other']} other conversation(s)")
        copies = await asyncio.to_thread(erase_copies, purged, args.handoff_db)
        holders = copy_holders()
        print(
            "  with " + ", ".join(f"{copies[name]} {holders[name].copies}" for name in holders) + " of theirs"
        )
        idle = purge_idle_copies(policy, args.handoff_db)
        for name, holder in holders.items():
            print(f"purged {idle[name]} {holder.idle}")
    finally:
        if broker is not None:
            await broker.close()


if __name__ == "__main__":
    main()
