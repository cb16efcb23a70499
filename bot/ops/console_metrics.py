"""Readiness and handoff metrics of the console: ``GET /ready`` and ``GET /metrics``.

``/ready`` gives the same answer as the console's ``/health`` for the database (serving needs it);
``/metrics`` reads the handoff queue from the console database at each scrape:

- ``jisr_handoff_queue_length{priority}`` — conversations waiting for a caseworker;
- ``jisr_handoff_oldest_wait_seconds{priority}`` — how long the oldest of them has waited;
- ``jisr_handoff_wait_seconds{quantile}`` — queue wait of the handoffs claimed in the last 24 h
  (median and 90th percentile), with ``_count``;
- ``jisr_handoff_outbox_pending`` — caseworker replies not yet delivered to the citizen;
- ``jisr_caseworkers_online`` — staff seen in the last minutes;
- ``jisr_handoff_metrics_up`` — 0 when the database could not be read for this scrape.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time

import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, SummaryMetricFamily
from sanic import Blueprint, response

from bot import health_checks
from bot.handoff.models import PRIORITIES, Handoff, HandoffMessage
from bot.handoff.store import OUTBOX_AUTHORS, HandoffStore

logger = logging.getLogger(__name__)
DAY = 86400.0
PRIORITY_NAMES = {value: name for name, value in PRIORITIES.items()}


class HandoffCollector:
    """Reads the handoff figures from the database when Prometheus scrapes."""

    def __init__(self, store: HandoffStore) -> None:
        self.store = store

    def collect(self):
        up = GaugeMetricFamily(
            "jisr_handoff_metrics_up", "1 when the handoff database was read for this scrape"
        )
        try:
            families = self._families(time.time())
        except sa.exc.SQLAlchemyError as error:
            logger.warning("Handoff metrics unavailable: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, now: float) -> list:
        length = GaugeMetricFamily(
            "jisr_handoff_queue_length", "Handoffs waiting for a caseworker", labels=["priority"]
        )
        oldest = GaugeMetricFamily(
            "jisr_handoff_oldest_wait_seconds", "Wait of the oldest queued handoff", labels=["priority"]
        )
        with self.store.sessions() as session:
            queued = session.execute(
                sa.select(Handoff.priority, sa.func.count(), sa.func.min(Handoff.created_at))
                .where(Handoff.status == "queued")
                .group_by(Handoff.priority)
            ).all()
            waits = [
                claimed - created
                for created, claimed in session.execute(
                    sa.select(Handoff.created_at, Handoff.claimed_at).where(Handoff.claimed_at >= now - DAY)
                )
            ]
            pending = session.execute(
                sa.select(sa.func.count())
                .select_from(HandoffMessage)
                .where(HandoffMessage.author.in_(OUTBOX_AUTHORS), HandoffMessage.delivered_at.is_(None))
            ).scalar_one()
        by_priority = {PRIORITY_NAMES.get(p, str(p)): (n, first) for p, n, first in queued}
        for name in PRIORITIES:
            count, first = by_priority.get(name, (0, None))
            length.add_metric([name], count)
            oldest.add_metric([name], max(0.0, now - first) if first else 0.0)
        wait = SummaryMetricFamily(
            "jisr_handoff_wait_seconds", "Queue wait of handoffs claimed in the last 24 h"
        )
        wait.add_metric([], count_value=len(waits), sum_value=sum(waits))
        quantiles = GaugeMetricFamily(
            "jisr_handoff_wait_quantile_seconds",
            "Median and 90th percentile wait, last 24 h",
            labels=["quantile"],
        )
        if waits:
            ordered = sorted(waits)
            quantiles.add_metric(["0.5"], statistics.median(ordered))
            quantiles.add_metric(["0.9"], ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))])
        outbox = GaugeMetricFamily("jisr_handoff_outbox_pending", "Caseworker replies not yet delivered")
        outbox.add_metric([], pending)
        online = GaugeMetricFamily("jisr_caseworkers_online", "Caseworkers seen recently")
        online.add_metric([], self.store.staff_online(now))
        return [length, oldest, wait, quantiles, outbox, online]


def readiness_blueprint() -> Blueprint:
    """``/ready`` and ``/metrics``; the collector is registered once the store is open."""
    blueprint = Blueprint("readiness")
    registry = CollectorRegistry(auto_describe=False)

    @blueprint.after_server_start
    async def _register_collector(app, _loop) -> None:
        registry.register(HandoffCollector(app.ctx.store))

    @blueprint.get("/ready")
    async def ready(request):
        database = await health_checks.sql_ok(request.app.ctx.store.sessions.kw["bind"])
        return response.json({"status": "ready" if database == "ok" else "not ready",
                              "checks": {"handoff_db": database}},
                             status=200 if database == "ok" else 503)  # fmt: skip

    @blueprint.get("/metrics")
    async def metrics(_request):
        body = await asyncio.to_thread(generate_latest, registry)
        return response.raw(body, content_type=CONTENT_TYPE_LATEST)

    return blueprint
