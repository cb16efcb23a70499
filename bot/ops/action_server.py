"""The rasa-sdk action server with readiness and metrics (``python -m bot.ops.action_server``).

Same actions and ``/webhook`` as ``python -m rasa_sdk --actions actions`` (what ``make run`` starts),
plus ``GET /ready`` (the console database answers) and ``GET /metrics`` (runs, failures and
duration per action). rasa-sdk's own ``GET /health`` is the liveness probe.
"""

from __future__ import annotations

import argparse
import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from rasa_sdk import utils
from rasa_sdk.endpoint import create_app as create_sdk_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response

from bot import health_checks
from bot.rasa_extensions.metrics import LATENCY_BUCKETS
from bot.settings import get_settings

REGISTRY = CollectorRegistry(auto_describe=True)
ACTION_RUNS = Counter(
    "jisr_action_runs",
    "Action calls by action and HTTP status class",
    ["action", "status"],
    registry=REGISTRY,
)
ACTION_SECONDS = Histogram(
    "jisr_action_duration_seconds",
    "Time to run one action",
    ["action"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)


def registered_actions(package: str) -> frozenset[str]:
    """Names of the actions ``package`` defines: the only values the ``action`` label takes."""
    executor = ActionExecutor()
    executor.register_package(package)
    return frozenset(executor.actions)


def create_app(package: str = "actions") -> Sanic:
    """rasa-sdk's app for ``package`` with ``/ready`` and ``/metrics``."""
    app = create_sdk_app(package, cors_origins=None)
    known_actions = registered_actions(package)
    handoff_engine = {}

    def engine():
        if "engine" not in handoff_engine:
            from bot.stores.console_database import create_engine

            handoff_engine["engine"] = create_engine()
        return handoff_engine["engine"]

    @app.middleware("request")
    async def _start(request) -> None:
        request.ctx.jisr_started = time.perf_counter()

    @app.middleware("response")
    async def _observe(request, resp) -> None:
        if request.path != "/webhook":
            return
        try:
            requested = (request.json or {}).get("next_action")
        except Exception:
            requested = None
        # a made-up name from the request body must not create a series: unknown names share one
        action = requested if isinstance(requested, str) and requested in known_actions else "other"
        ACTION_RUNS.labels(action, f"{resp.status // 100}xx").inc()
        ACTION_SECONDS.labels(action).observe(time.perf_counter() - request.ctx.jisr_started)

    @app.get("/ready")
    async def ready(_request):
        database = await health_checks.sql_ok(engine())
        return response.json({"status": "ready" if database == "ok" else "not ready",
                              "checks": {"handoff_db": database}},
                             status=200 if database == "ok" else 503)  # fmt: skip

    @app.get("/metrics")
    async def metrics(_request):
        return response.raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)

    return app


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=settings.actions_port)
    parser.add_argument("--host", default=settings.sanic_host)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args()
    utils.configure_colored_logging(settings.log_level)
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    app = create_app(args.actions)
    app.run(args.host, args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
