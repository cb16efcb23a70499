"""Replicas of Rasa and of the action server for a traffic and a p95 target (docs/capacity.md).

``python -m scripts.capacity --conversations 100000 --p95 0.3`` prints the peak message rate, the
utilisation one Rasa replica may run at for that p95, and the replicas. The inputs are measured
figures (``make bench-cpu``, ``make bench-load``) and named assumptions, all overridable.

Model: a Rasa replica handles one message at a time on one core (its event loop), so it is a
single-server queue with service time ``service`` (wall time of one message on an idle replica)
and capacity ``1 / rasa_cpu`` messages per second. With response times close to exponential,
p95 ≈ ln(20) × service / (1 − ρ) at utilisation ρ; the replica count keeps ρ under the value that
meets the target, plus one replica for a pod lost or being replaced.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

P95_FACTOR = math.log(20)  # 95th percentile of an exponential distribution, in means
MAX_UTILISATION = 0.8  # never plan a replica fuller than this (bursts, garbage collection)


@dataclass(frozen=True)
class Inputs:
    rasa_cpu: float = 0.045  # s of CPU per message, one Rasa replica (make bench-cpu: 33.5 and 45.2 ms)
    actions_cpu: float = 0.0022  # s of CPU per message, action server (make bench-cpu: 2.2 and 2.1 ms)
    service: float = 0.042  # s, p50 of a message on a lightly loaded replica (make bench-load, paced 50)
    messages_per_conversation: float = 8.0  # assumption
    peak_hour_share: float = 0.15  # assumption: share of a day's conversations in its busiest hour
    burst: float = 1.5  # assumption: busiest minute over the busiest hour's average
    actions_utilisation: float = 0.5  # action servers are cheap: keep them half idle


@dataclass(frozen=True)
class Plan:
    peak_rate: float
    utilisation: float
    rasa_replicas: int
    actions_replicas: int

    @property
    def rasa_cores(self) -> float:
        return self.rasa_replicas * 1.0


def utilisation_for(p95: float, inputs: Inputs) -> float:
    """Highest utilisation of a Rasa replica whose p95 stays under ``p95`` seconds."""
    return max(0.0, min(MAX_UTILISATION, 1 - P95_FACTOR * inputs.service / p95))


def plan(conversations_per_day: float, p95: float, inputs: Inputs = Inputs()) -> Plan:
    rate = (
        conversations_per_day
        * inputs.messages_per_conversation
        * inputs.peak_hour_share
        * inputs.burst
        / 3600
    )
    rho = utilisation_for(p95, inputs)
    if rho <= 0:
        raise ValueError(
            f"p95 {p95 * 1000:.0f} ms is below what one message takes ({inputs.service * 1000:.0f} ms)"
        )
    per_replica = rho / inputs.rasa_cpu
    actions_per_replica = inputs.actions_utilisation / inputs.actions_cpu
    return Plan(
        peak_rate=rate,
        utilisation=rho,
        rasa_replicas=max(2, math.ceil(rate / per_replica) + 1),
        actions_replicas=max(2, math.ceil(rate / actions_per_replica) + 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--conversations", type=float, nargs="+", default=[10_000, 50_000, 100_000, 250_000, 1_000_000]
    )
    parser.add_argument("--p95", type=float, nargs="+", default=[0.3, 1.0], help="seconds")
    for name, value in vars(Inputs()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=value)
    args = parser.parse_args()
    inputs = Inputs(**{name: getattr(args, name) for name in vars(Inputs())})
    print(
        "| conversations/day | peak msg/s | p95 target | ρ per Rasa replica | Rasa replicas | action servers |"
    )
    print("|---|---|---|---|---|---|")
    for conversations in args.conversations:
        for p95 in args.p95:
            result = plan(conversations, p95, inputs)
            print(f"| {conversations:,.0f} | {result.peak_rate:.1f} | {p95 * 1000:.0f} ms | {result.utilisation:.2f} "
                  f"| {result.rasa_replicas} | {result.actions_replicas} |")  # fmt: skip


if __name__ == "__main__":
    main()
