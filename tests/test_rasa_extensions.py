"""The Rasa extensions' entry point: the version pin, each replacement in effect, the public extension points.

The replacements are applied in a separate interpreter (as ``python -m bot.ops.rasa_server`` does)
so that this test process keeps Rasa's own functions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys

import pytest
import rasa
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_extensions import failure_handling, server_plugin
from bot.rasa_extensions.erasing_tracker_store import ErasingSQLTrackerStore, ping_on_checkout
from bot.rasa_extensions.lock_store import RetryingRedisLockStore
from bot.rasa_extensions.ops_routes import add_ops_routes
from bot.rasa_extensions.rasa_version import (
    SUPPORTED_RASA_VERSION,
    UnsupportedRasaVersion,
    require_supported_rasa,
)
from bot.settings import ROOT

DOMAIN = Domain.load("domain.yml")
SECRET = "s" * 40


# --- version pin ----------------------------------------------------------------------------------


def test_the_pinned_version_is_the_installed_one() -> None:
    assert rasa.__version__ == SUPPORTED_RASA_VERSION
    require_supported_rasa()


@pytest.mark.parametrize("version", ["3.6.20", "3.6.22", "3.7.0", "4.0.0"])
def test_any_other_rasa_version_is_refused_with_a_clear_error(version: str) -> None:
    with pytest.raises(UnsupportedRasaVersion, match=rf"Rasa {version} is installed.*3\.6\.21"):
        require_supported_rasa(version)


def test_the_entry_point_refuses_another_version_before_changing_anything(monkeypatch) -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent

    from bot import rasa_extensions

    before = (RemoteAction.run, Agent.handle_message)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(UnsupportedRasaVersion):
        rasa_extensions.install(api_secret=SECRET, jwt_method="HS256")
    assert (RemoteAction.run, Agent.handle_message) == before


def test_the_tracker_store_refuses_another_version(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(rasa, "__version__", "3.6.22")
    with pytest.raises(UnsupportedRasaVersion):
        ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))


def test_the_launcher_does_not_start_rasa_under_another_version() -> None:
    code = (
        "import sys, rasa; rasa.__version__ = '3.7.0'; sys.argv = ['rasa_server', 'run'];"
        "from bot.ops.rasa_server import main; main()"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "RASA_TOKEN": SECRET}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0
    assert "Rasa 3.7.0 is installed" in result.stderr, result.stderr[-2000:]


# --- every replacement in effect after install() --------------------------------------------------

INSPECT_INSTALL = """
import json
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor
from rasa.plugin import plugin_manager
from rasa.shared.core.events import Event
from bot import rasa_extensions
from bot.rasa_extensions.server_plugin import RasaServerPlugin

replaced = {
    "RemoteAction.run": (RemoteAction, "run"),
    "Agent.handle_message": (Agent, "handle_message"),
    "MessageProcessor.log_message": (MessageProcessor, "log_message"),
    "Event.resolve_by_type": (Event, "resolve_by_type"),
    "RemoteAction._validate_action_result": (RemoteAction, "_validate_action_result"),
}
original = {name: owner.__dict__[attribute] for name, (owner, attribute) in replaced.items()}
rasa_extensions.install(api_secret="s" * 40, jwt_method="HS256")
rasa_extensions.install(api_secret="s" * 40, jwt_method="HS256")  # a second call changes nothing
state = {name: owner.__dict__[attribute] is not original[name] for name, (owner, attribute) in replaced.items()}
state["wrapped once"] = [
    getattr(RemoteAction.run, "__wrapped__", None) is original["RemoteAction.run"],
    getattr(Agent.handle_message, "__wrapped__", None) is original["Agent.handle_message"],
    getattr(MessageProcessor.log_message, "__wrapped__", None) is original["MessageProcessor.log_message"],
]
state["plugins"] = sum(isinstance(plugin, RasaServerPlugin) for plugin in plugin_manager().get_plugins())
print(json.dumps(state))
"""


def test_install_applies_each_documented_replacement_once() -> None:
    result = subprocess.run(
        [sys.executable, "-c", INSPECT_INSTALL], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state == {
        "RemoteAction.run": True,
        "Agent.handle_message": True,
        "MessageProcessor.log_message": True,
        "RemoteAction._validate_action_result": True,
        "Event.resolve_by_type": True,
        "wrapped once": [True, True, True],  # around Rasa's own function, not around a wrapper
        "plugins": 1,
    }


# --- the tracker store fails instead of forgetting ------------------------------------------------


class BrokenStore(InMemoryTrackerStore):
    async def save(self, tracker) -> None:
        raise sa.exc.OperationalError("INSERT", {}, ConnectionError("database down"))

    async def retrieve(self, sender_id):
        raise sa.exc.OperationalError("SELECT", {}, ConnectionError("database down"))


class LoadedAgent:
    def __init__(self) -> None:
        self.tracker_store = FailSafeTrackerStore(BrokenStore(DOMAIN))


def test_rasa_alone_falls_back_to_an_empty_tracker() -> None:
    agent = LoadedAgent()
    assert asyncio.run(agent.tracker_store.retrieve("someone")) is None  # the conversation would restart


def test_a_failing_tracker_store_fails_the_message() -> None:
    agent = LoadedAgent()
    failure_handling.fail_instead_of_forgetting(agent)
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    with pytest.raises(failure_handling.TrackerStoreUnavailable):
        asyncio.run(agent.tracker_store.retrieve("someone"))
    with pytest.raises(failure_handling.TrackerStoreUnavailable):
        asyncio.run(agent.tracker_store.save(tracker))
    assert list(asyncio.run(agent.tracker_store.fallback_tracker_store.keys())) == []  # nothing in memory


# --- the server plugin ----------------------------------------------------------------------------


def test_rasa_run_gets_the_secret_and_the_listeners_from_the_plugin_hook() -> None:
    from rasa.cli.run import run, run_actions

    plugin = server_plugin.RasaServerPlugin(SECRET, "HS256")
    args = argparse.Namespace(func=run, auth_token=None, jwt_secret=None, jwt_method="HS256")
    assert plugin.configure_commandline(cmdline_arguments=args) is None  # no endpoints file of its own
    assert (args.jwt_secret, args.jwt_method, args.auth_token) == (SECRET, "HS256", None)
    assert (add_ops_routes, "main_process_start") in args.server_listeners
    assert [event for _, event in args.server_listeners] == ["main_process_start", "after_server_start"]

    other = argparse.Namespace(func=run_actions)
    plugin.configure_commandline(cmdline_arguments=other)
    assert not hasattr(other, "jwt_secret") and not hasattr(other, "server_listeners")


def test_serve_application_accepts_the_server_listeners() -> None:
    """``rasa run`` passes only the arguments ``serve_application`` declares (``minimal_kwargs``)."""
    import inspect

    from rasa.core.run import serve_application

    parameters = inspect.signature(serve_application).parameters
    assert {"server_listeners", "jwt_secret", "jwt_method", "auth_token"} <= set(parameters)


# --- public extension points ----------------------------------------------------------------------


def test_the_lock_store_retries_redis_commands_after_a_reconnection() -> None:
    config = EndpointConfig(url="127.0.0.1", port="6379", db="1", password=None, key_prefix="jisrtest")
    store = RetryingRedisLockStore(endpoint_config=config)
    settings = store.red.connection_pool.connection_kwargs
    assert settings["retry"] is not None and settings["retry_on_error"]
    assert (settings["host"], settings["port"], settings["db"]) == ("127.0.0.1", 6379, 1)
    assert store.key_prefix == "jisrtest:lock:"


def test_pooled_tracker_connections_are_checked_when_taken(tmp_path) -> None:
    store = ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    assert sa.event.contains(store.engine.pool, "checkout", ping_on_checkout)


def _turns(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update_with_events(
        [
            ActionExecuted("action_listen"),
            UserUttered("salam", {"name": "greet", "confidence": 0.93}, input_channel="rest"),
            SlotSet("city", "tanger"),
            ActionExecuted("utter_greet"),
            BotUttered("salam!", metadata={"utter_action": "utter_greet"}),
            ActionExecuted("action_listen"),
        ],
        DOMAIN,
    )
    return tracker


def _rows(store: SQLTrackerStore) -> list[tuple]:
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).order_by(store.SQLEvent.id).all()
        return [(r.sender_id, r.type_name, r.timestamp, r.intent_name, r.action_name, r.data) for r in rows]


def test_the_repeated_save_body_writes_the_rows_rasas_save_writes(tmp_path) -> None:
    """``ErasingSQLTrackerStore._write_events`` repeats ``SQLTrackerStore.save``: same rows, column by column."""
    ours = ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.db"))
    rasas = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    tracker = _turns("row-check")
    asyncio.run(ours.save(tracker))
    asyncio.run(rasas.save(tracker))
    tracker.update(UserUttered("chokran", {"name": "thank", "confidence": 0.8}, input_channel="rest"))
    asyncio.run(ours.save(tracker))
    asyncio.run(rasas.save(tracker))
    assert _rows(ours) == _rows(rasas)
    assert len(_rows(ours)) == len(tracker.events)


# --- what each wrapper does (around a stand-in for Rasa's function) -------------------------------


def _sample(metric, **labels) -> float:
    from bot.rasa_extensions import metrics

    return metrics.REGISTRY.get_sample_value(metric, labels or None) or 0.0


def test_a_failing_action_server_gets_the_polite_reply_and_ends_the_turn(monkeypatch) -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import FollowupAction
    from rasa.shared.exceptions import RasaException

    from bot.rasa_extensions.replies import HANDOFF_OFFER, TEMPORARY_PROBLEM

    async def unreachable(self, output_channel, nlg, tracker, domain):
        raise RasaException("action server unreachable")

    monkeypatch.setattr(RemoteAction, "run", unreachable)
    failure_handling._wrap_remote_action()
    tracker = _turns("action-failure")
    before = _sample("jisr_action_failures_total", action="action_services")
    events = asyncio.run(RemoteAction("action_services", None).run(None, None, tracker, DOMAIN))
    spoken = [event.metadata.get("utter_action") for event in events if isinstance(event, BotUttered)]
    assert spoken == [TEMPORARY_PROBLEM, HANDOFF_OFFER]
    assert events[-1] == FollowupAction("action_listen")
    assert _sample("jisr_action_failures_total", action="action_services") == before + 1


def test_a_message_that_cannot_be_processed_gets_send_it_again(monkeypatch) -> None:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from bot.rasa_extensions.replies import RETRY_LATER

    async def lock_store_down(self, message):
        raise ConnectionError("redis down")

    class NoNlu:
        async def parse_message(self, message):
            return {"entities": [{"entity": "detected_language", "value": "fr"}]}

    monkeypatch.setattr(Agent, "handle_message", lock_store_down)
    failure_handling._wrap_handle_message()
    agent = Agent()
    agent.processor = NoNlu()
    output = CollectingOutputChannel()
    before = _sample("jisr_messages_total", channel="rest")

    async def handle() -> dict | None:
        with pytest.raises(ConnectionError):
            await agent.handle_message(UserMessage("salam", output, "someone", input_channel="rest"))
        return failure_handling.FAILED_MESSAGE.get()

    failed = asyncio.run(handle())
    assert failed is not None and failed["utter_action"] == RETRY_LATER
    assert [(m["recipient_id"], m["text"]) for m in output.messages] == [("someone", failed["text"])]
    assert _sample("jisr_message_failures_total", reason="other") >= 1
    assert _sample("jisr_messages_total", channel="rest") == before + 1


def test_every_logged_message_counts_its_intent_and_fallbacks(monkeypatch) -> None:
    from rasa.core.processor import MessageProcessor

    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    tracker.update(UserUttered("???", {"name": "nlu_fallback", "confidence": 0.2}))

    async def logged(self, message, should_save_tracker=True):
        return tracker

    monkeypatch.setattr(MessageProcessor, "log_message", logged)
    failure_handling._wrap_log_message()
    intents, fallbacks = (
        _sample("jisr_intents_total", intent="nlu_fallback"),
        _sample("jisr_nlu_fallback_total"),
    )
    asyncio.run(MessageProcessor.log_message(object(), None))
    assert _sample("jisr_intents_total", intent="nlu_fallback") == intents + 1
    assert _sample("jisr_nlu_fallback_total") == fallbacks + 1
