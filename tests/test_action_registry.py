"""Every custom action the domain names is served by the action server, and nothing else."""

import yaml
from rasa_sdk.executor import ActionExecutor

from bot.settings import ROOT


def test_domain_actions_are_exactly_the_registered_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    registered = set(executor.actions)
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["actions"]) == registered
