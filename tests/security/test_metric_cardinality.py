"""Attack: requests to made-up paths each create a new Prometheus series (the route label came from
the raw path), until the Rasa process and the monitoring run out of memory."""

from __future__ import annotations

import re
import uuid

import httpx

from bot.ops import metrics
from tests.security.conftest import Stack

RANDOM_PATHS = 1000


def route_labels(metrics_text: str) -> set[str]:
    return set(re.findall(r'^jisr_http_requests_total\{route="([^"]*)"', metrics_text, re.MULTILINE))


def test_a_thousand_random_paths_do_not_create_a_thousand_series(stack: Stack):
    shapes = (
        "/webhooks/{a}/webhook", "/conversations/{a}/{b}", "/conversations/x/{a}/{b}/tracker", "/{a}",
        "/model/{a}", "/webhooks/rest/{a}",
    )  # fmt: skip
    with httpx.Client(base_url=stack.assistant.url, timeout=30) as client:
        for number in range(RANDOM_PATHS):
            path = shapes[number % len(shapes)].format(a=uuid.uuid4().hex, b=uuid.uuid4().hex[:6])
            client.get(path)
        labels = route_labels(client.get("/metrics").text)
    assert labels, "no request metrics exported"
    assert len(labels) < 50, f"{len(labels)} series for {RANDOM_PATHS} random paths"
    assert labels <= set(metrics.ROUTE_GROUPS), sorted(labels - set(metrics.ROUTE_GROUPS))[:10]


def test_every_route_group_is_a_fixed_value():
    for path in ("/webhooks/telegram/webhook", "/webhooks/evil/x", "/conversations/a/b/c/d", "/x" * 50, ""):
        assert metrics.route_group(path) in metrics.ROUTE_GROUPS
    assert metrics.route_group("/webhooks/telegram/webhook") == "webhooks/telegram"
    assert metrics.route_group("/conversations/tg-1/trigger_intent") == "conversations/trigger_intent"
    assert metrics.route_group("/conversations/tg-1/tracker/events") == "conversations/tracker/events"
