"""Rasa's data validation of the shipped project, as `make validate` runs it, here as a test."""

from __future__ import annotations

from bot.settings import ROOT
from bot.validation.rasa_checks import check_rasa


def test_rasa_data_validation_of_the_project_finds_nothing() -> None:
    """Rasa's validator (domain, NLU, stories, rules, story/rule conflicts) on the real data: no problem at all.

    The only warnings set aside are those the project reports itself and the ``EXTERNAL_`` intents the
    caseworker console triggers, which by design have no NLU examples.
    """
    problems = check_rasa(ROOT)
    assert [str(p) for p in problems] == []
