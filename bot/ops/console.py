"""The caseworker console with readiness and handoff metrics (``python -m bot.ops.console``).

The console app of :mod:`bot.console` unchanged (its ``/health`` checks the database and the
delivery worker), plus ``GET /ready`` (same answer as ``/health``: serving needs the database)
and ``GET /metrics`` with the handoff queue read from the handoff database at each scrape:

- ``jisr_handoff_queue_length{priority}`` — conversations waiting for a caseworker;
- ``jisr_handoff_oldest_wait_seconds{priority}`` — how long the oldest of them has waited;
- ``jisr_handoff_wait_seconds{quantile}`` — queue wait of the handoffs claimed in the last 24 h
  (median and 90th percentile), with ``_count``;
- ``jisr_handoff_outbox_pending`` — caseworker replies not yet delivered to the citizen;
- ``jisr_caseworkers_online`` — staff seen in the last minutes;
- ``jisr_handoff_metrics_up`` — 0 when the database could not be read for this scrape.

Several console instances can run behind the proxy: sessions are signed cookies (same
``CONSOLE_SECRET_FILE`` key everywhere) and delivery workers share the outbox through leases.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import statistics
import time

import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, SummaryMetricFamily
from sanic import Sanic, response

from bot import health_checks
from bot.console.app import create_app as create_console_app
from bot.console.config import ConsoleConfig
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


def create_app(config: ConsoleConfig | None = None) -> Sanic:
    """The console app with ``/ready`` and ``/metrics``."""
    app = create_console_app(config)
    registry = CollectorRegistry(auto_describe=False)

    @app.after_server_start
    async def _register_collector(app_, _loop) -> None:
        registry.register(HandoffCollector(app_.ctx.store))

    @app.get("/ready")
    async def ready(_request):
        database = await health_checks.sql_ok(app.ctx.store.sessions.kw["bind"])
        return response.json({"status": "ready" if database == "ok" else "not ready",
                              "checks": {"handoff_db": database}},
                             status=200 if database == "ok" else 503)  # fmt: skip

    @app.get("/metrics")
    async def metrics(_request):
        body = await asyncio.to_thread(generate_latest, registry)
        return response.raw(body, content_type=CONTENT_TYPE_LATEST)

    return app


def main() -> None:
    config = ConsoleConfig.from_env()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=config.host)
    parser.add_argument("--port", type=int, default=config.port)
    args = parser.parse_args()
    config = dataclasses.replace(config, host=args.host, port=args.port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.privacy.redaction import install_log_redaction

    install_log_redaction()
    app = create_app(config)
    app.run(host=config.host, port=config.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
