"""Prometheus metrics of the Rasa process (one registry per process; Prometheus scrapes each instance).

Names are documented in docs/deploy.md ("Metrics"). The fallback rate is a PromQL ratio:
``rate(jisr_nlu_fallback_total[5m]) / rate(jisr_messages_total[5m])``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()  # no *_created series: Prometheus derives resets itself

#: Request-to-reply latency buckets in seconds: fine below 1 s, where the targets are.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0)

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES = Counter(
    "jisr_messages", "User messages handled (whatever the outcome)", ["channel"], registry=REGISTRY
)
MESSAGE_SECONDS = Histogram(
    "jisr_message_duration_seconds",
    "Time from a user message's arrival in Rasa to its last reply (lock wait, NLU, actions, store)",
    ["channel"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
MESSAGE_FAILURES = Counter(
    "jisr_message_failures",
    "User messages that could not be processed; reason: tracker_store, lock_store or other",
    ["reason"],
    registry=REGISTRY,
)
INTENTS = Counter("jisr_intents", "Top intent of each user message", ["intent"], registry=REGISTRY)
NLU_FALLBACKS = Counter(
    "jisr_nlu_fallback", "User messages whose intent fell under the fallback threshold", registry=REGISTRY
)
ACTION_FAILURES = Counter(
    "jisr_action_failures",
    "Custom actions that failed (action server unreachable or erroring); the citizen got the ops reply",
    ["action"],
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "jisr_http_requests",
    "HTTP requests by route group and status class",
    ["route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "jisr_http_request_duration_seconds",
    "HTTP request duration by route group",
    ["route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
INSTANCE = Gauge("jisr_instance_info", "Always 1; labels name this instance", ["instance"], registry=REGISTRY)


def route_group(path: str) -> str:
    """A bounded label for a request path: webhooks by channel, the API by its first segment."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "/"
    if parts[0] == "webhooks" and len(parts) > 1:
        return f"webhooks/{parts[1]}"
    if parts[0] == "conversations":
        return f"conversations/{parts[-1]}" if len(parts) > 2 else "conversations"
    if parts[0] in {"model", "status", "version", "health", "ready", "metrics", "socket.io", "domain"}:
        return parts[0]
    return "other"
