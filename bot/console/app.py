"""The console's Sanic application: shared state on ``app.ctx``, middleware, and the blueprints.

The pages are blueprints in :mod:`bot.console.routes` (login, health, queue, handoffs, supervisor,
review); what every request goes through (session, CSRF, headers, errors) is in
:mod:`bot.console.middleware`. Database calls run in threads (``asyncio.to_thread``) so that live
event streams and concurrent requests are never blocked by one slow query, and so simultaneous
claims really reach the database together.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

from sanic import Sanic

from bot.console.auth import LoginLimiter
from bot.console.casework import LABEL_GROUPS
from bot.console.config import ConsoleConfig
from bot.console.content import load_outcomes, load_snippets
from bot.console.i18n import environments, labels
from bot.console.middleware import register_middleware
from bot.console.rendering import add_time_filters
from bot.console.routes import auth, handoffs, health, queue, review, supervisor
from bot.console.sessions import SessionCodec, load_key
from bot.handoff.delivery import DeliveryWorker, RasaClient
from bot.handoff.store import HandoffStore

STATIC_DIR = Path(__file__).resolve().parent / "static"
BLUEPRINTS = (auth, health, queue, handoffs, supervisor, review)


def create_app(config: ConsoleConfig | None = None, name: str = "jisr_console") -> Sanic:
    """The console app; the database is migrated and the delivery worker started on server start.

    Content files (snippets, outcomes, review settings) are read here, so their errors stop the
    start with a :class:`~bot.content_errors.ContentError` before anything listens.
    """
    config = config or ConsoleConfig.from_env()
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 256 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "text"
    app.ctx.config = config
    app.ctx.codec = SessionCodec(load_key(config.secret_file), config.session_seconds)
    app.ctx.envs = environments()
    app.ctx.labels = {lang: labels(lang, LABEL_GROUPS) for lang in app.ctx.envs}
    app.ctx.snippets = load_snippets(config.snippets_file)
    app.ctx.outcomes = load_outcomes(config.outcomes_file)
    add_time_filters(app.ctx.envs, ZoneInfo(config.timezone))
    review.load_review_settings(app)

    app.before_server_start(open_store)
    app.after_server_start(announce)
    app.before_server_stop(stop_worker)
    register_middleware(app)
    for module in BLUEPRINTS:
        app.blueprint(module.blueprint)
    app.static("/static", str(STATIC_DIR), name="static")
    return app


async def open_store(app: Sanic, _loop) -> None:
    """Opens (and migrates) the console database and starts the delivery worker."""
    config = app.ctx.config
    store = await asyncio.to_thread(HandoffStore, config.db_url)
    app.ctx.store = store
    app.ctx.limiter = LoginLimiter(store.sessions)
    app.ctx.worker = DeliveryWorker(store, RasaClient(config.rasa_url))
    app.ctx.worker.start()


async def announce(app: Sanic, _loop) -> None:
    print(f"Jisr console: http://{app.ctx.config.host}:{app.ctx.config.port}/", flush=True)


async def stop_worker(app: Sanic, _loop) -> None:
    await app.ctx.worker.stop()
