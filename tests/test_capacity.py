"""The capacity model of docs/capacity.md (scripts/capacity.py): arithmetic and its limits."""

from __future__ import annotations

import math

import pytest

from scripts.capacity import Inputs, plan, utilisation_for


def test_a_tighter_p95_leaves_each_replica_less_busy():
    inputs = Inputs()
    assert utilisation_for(0.3, inputs) == pytest.approx(1 - math.log(20) * 0.042 / 0.3)
    assert utilisation_for(0.3, inputs) < utilisation_for(0.5, inputs) <= 0.8
    assert utilisation_for(10.0, inputs) == 0.8  # never planned fuller than 80 %


def test_replicas_cover_the_peak_plus_one_spare():
    result = plan(100_000, 0.3)
    assert result.peak_rate == pytest.approx(100_000 * 8 * 0.15 * 1.5 / 3600)
    per_replica = result.utilisation / Inputs().rasa_cpu
    assert (
        (result.rasa_replicas - 2) * per_replica
        < result.peak_rate
        <= (result.rasa_replicas - 1) * per_replica
    )
    assert plan(10, 0.3).rasa_replicas == 2 and plan(10, 0.3).actions_replicas == 2  # availability floor


def test_more_traffic_never_needs_fewer_replicas():
    counts = [plan(n, 0.3).rasa_replicas for n in (1e4, 5e4, 1e5, 5e5, 1e6)]
    assert counts == sorted(counts)


def test_a_p95_below_one_message_is_refused():
    with pytest.raises(ValueError, match="below what one message takes"):
        plan(10_000, 0.1)
