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


#: Channels whose webhooks get a label of their own (``/webhooks/<name>/…``); others count as ``webhooks/other``.
WEBHOOK_CHANNELS = ("rest", "telegram", "whatsapp", "callback", "socketio", "twilio")
#: Values of the ``channel`` label: the channels the assistant runs, any other name counts as ``other``
#: (the REST channel takes ``input_channel`` from the request body).
CHANNEL_LABELS = (*WEBHOOK_CHANNELS, "cmdline", "other")
#: Rasa's per-conversation API routes (``/conversations/<id>/<route>``).
CONVERSATION_ROUTES = (
    "tracker/events",
    "tracker",
    "story",
    "execute",
    "trigger_intent",
    "predict",
    "messages",
)
TOP_LEVEL_ROUTES = ("model", "status", "version", "health", "ready", "metrics", "socket.io", "domain")
#: Every value the ``route`` label can take: a client-chosen path never creates a new series.
ROUTE_GROUPS = (
    "/",
    *(f"webhooks/{name}" for name in WEBHOOK_CHANNELS),
    "webhooks/other",
    "conversations",
    *(f"conversations/{route}" for route in CONVERSATION_ROUTES),
    *TOP_LEVEL_ROUTES,
    "other",
)


def route_group(path: str) -> str:
    """The ``route`` label of a request path, always one of :data:`ROUTE_GROUPS`."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "/"
    if parts[0] == "webhooks":
        return f"webhooks/{parts[1]}" if len(parts) > 1 and parts[1] in WEBHOOK_CHANNELS else "webhooks/other"
    if parts[0] == "conversations":
        rest = "/" + "/".join(parts[2:]) if len(parts) > 2 else ""
        route = next((r for r in CONVERSATION_ROUTES if rest.endswith(f"/{r}")), None)
        return f"conversations/{route}" if route else "conversations"
    return parts[0] if parts[0] in TOP_LEVEL_ROUTES else "other"


def channel_label(name: str | None) -> str:
    """The ``channel`` label of a message, always one of :data:`CHANNEL_LABELS`."""
    return name if name in CHANNEL_LABELS else "other"
