"""Attack: requests to made-up paths each create a new Prometheus series (the route label came from
the raw path), until the Rasa process and the monitoring run out of memory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import httpx

from bot.launcher import stop, wait_until_ready
from bot.rasa_extensions import metrics
from bot.settings import ROOT
from tests.conftest import free_port
from tests.security.conftest import Stack

RANDOM_PATHS = 1000
MADE_UP_CHANNELS = 50


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


def test_made_up_action_names_do_not_create_series(tmp_path):
    """Attack: posting made-up ``next_action`` names to the action server (reachable on loopback)
    creates a series per name, as the action label came from the request body."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDOFF_DB": str(tmp_path / "handoff.db")}
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.ops.action_server", "--port", str(port)], cwd=ROOT, env=env,
        stdout=(tmp_path / "actions.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/health", timeout=120, process=server)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(RANDOM_PATHS):
                client.post("/webhook", json={"next_action": uuid.uuid4().hex, "tracker": {}, "domain": {}})
            text = client.get("/metrics").text
    finally:
        stop([server])
    actions = set(re.findall(r'^jisr_action_runs_total\{action="([^"]*)"', text, re.MULTILINE))
    assert actions, "no action metrics exported"
    assert len(actions) < 50, f"{len(actions)} series for {RANDOM_PATHS} made-up action names"


def test_made_up_input_channels_do_not_create_series(stack: Stack):
    """Attack: the REST channel takes ``input_channel`` from the request body, and the message metrics
    used it as the ``channel`` label: one new series per made-up name."""
    with httpx.Client(base_url=stack.assistant.url, timeout=60) as client:
        for number in range(MADE_UP_CHANNELS):
            body = {"sender": f"cardinality-{number}", "message": "salam", "input_channel": uuid.uuid4().hex}
            client.post("/webhooks/rest/webhook", json=body)
        text = client.get("/metrics").text
    channels = set(re.findall(r'^jisr_messages_total\{channel="([^"]*)"', text, re.MULTILINE))
    assert channels, "no message metrics exported"
    assert len(channels) < 10, f"{len(channels)} series for {MADE_UP_CHANNELS} made-up channel names"
    assert channels <= set(metrics.CHANNEL_LABELS)
