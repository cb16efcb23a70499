"""Health, readiness and metrics of a Rasa server, added to the Sanic app Rasa creates.

:func:`add_ops_routes` runs in Sanic's ``main_process_start`` event (registered through Rasa's
``server_listeners``, see :mod:`bot.rasa_extensions.server_plugin`), before the app's routes are
frozen, and adds

- ``GET /health`` — liveness: the process answers (Rasa's own ``/`` does the same);
- ``GET /ready`` — readiness: the model is loaded and the tracker store (SQL) and lock store
  (Redis, when configured) answer; the event broker and the action server are reported, not
  required (events are buffered; actions fail politely);
- ``GET /metrics`` — Prometheus text format (:mod:`bot.rasa_extensions.metrics`);
- request metrics, and the 503 answer of the REST webhook when its message could not be processed
  (:mod:`bot.rasa_extensions.failure_handling`).

Every response carries ``X-Jisr-Instance`` (``INSTANCE_ID``) so a load test sees which instance
answered.
"""

from __future__ import annotations

import os
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sanic import Blueprint, Sanic, response
from sanic.request import Request

from bot import health_checks
from bot.rasa_extensions import failure_handling, metrics
from bot.settings import get_settings

REST_WEBHOOK = "/webhooks/rest/webhook"
RETRY_AFTER_SECONDS = "5"


def instance_id() -> str:
    return get_settings().instance_id or f"rasa-{os.getpid()}"


def add_ops_routes(app: Sanic, _loop: Any = None) -> None:
    """Adds the operations endpoints and the request middleware to Rasa's app (once)."""
    if "jisr_ops" in app.blueprints:
        return
    name = instance_id()
    metrics.INSTANCE.labels(name).set(1)

    async def _start_timer(request: Request) -> None:
        request.ctx.jisr_started = time.perf_counter()
        # Sanic serves the requests of one keep-alive connection in one task: forget the last one's failure
        failure_handling.FAILED_MESSAGE.set(None)

    async def _finish(request: Request, resp) -> Any:
        failed = failure_handling.FAILED_MESSAGE.get()
        if failed is not None and request.path == REST_WEBHOOK:
            resp = response.json([failed], status=503, headers={"Retry-After": RETRY_AFTER_SECONDS})
        route = metrics.route_group(request.path)
        started = getattr(request.ctx, "jisr_started", None)
        if started is not None:
            metrics.HTTP_SECONDS.labels(route).observe(time.perf_counter() - started)
        metrics.HTTP_REQUESTS.labels(route, f"{resp.status // 100}xx").inc()
        resp.headers["X-Jisr-Instance"] = name
        return resp

    app.register_middleware(_start_timer, "request")  # on the app: every route, Rasa's and the channels'
    app.register_middleware(_finish, "response")
    app.blueprint(ops_blueprint(name))


def ops_blueprint(name: str) -> Blueprint:
    """``/health``, ``/ready`` and ``/metrics`` of the instance called ``name``."""
    bp = Blueprint("jisr_ops")

    @bp.get("/health")
    async def health(_request: Request):
        return response.json({"status": "ok", "instance": name})

    @bp.get("/ready")
    async def ready(request: Request):
        status, report = await readiness(request.app)
        return response.json({"status": status, "instance": name, "checks": report},
                             status=200 if status == "ready" else 503)  # fmt: skip

    @bp.get("/metrics")
    async def metrics_endpoint(_request: Request):
        return response.raw(generate_latest(metrics.REGISTRY), content_type=CONTENT_TYPE_LATEST)

    return bp


async def readiness(app: Any) -> tuple[str, dict[str, str]]:
    """``ready`` when the model, the tracker store and the lock store are usable; details per part."""
    agent = getattr(app.ctx, "agent", None)
    report: dict[str, str] = {"model": "ok" if agent is not None and agent.is_ready() else "not loaded"}
    required = ["model"]
    if agent is not None:
        # FailSafeTrackerStore keeps the configured store in a private attribute, with no accessor
        store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
        if getattr(store, "engine", None) is not None:
            report["tracker_store"] = await health_checks.sql_ok(store.engine)
            required.append("tracker_store")
        red = getattr(agent.lock_store, "red", None)
        if red is not None:
            report["lock_store"] = await health_checks.redis_ok(red)
            required.append("lock_store")
        broker = getattr(store, "event_broker", None)
        if broker is not None:
            report["event_broker"] = "ok" if broker.is_ready() else "reconnecting (events buffered)"
        endpoint = agent.action_endpoint
        if endpoint is not None and endpoint.url:
            health_url = endpoint.url.rsplit("/", 1)[0] + "/health"
            result = await health_checks.http_ok(health_url)
            report["action_server"] = result if result == "ok" else f"{result} (citizens get the ops reply)"
    status = "ready" if all(report.get(part) == "ok" for part in required) else "not ready"
    return status, report
