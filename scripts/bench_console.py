"""``make bench-console``: the caseworker console's numbers, on SQLite and PostgreSQL.

- queue page render time with 1,000 queued handoffs (p50/p95 over real HTTP requests);
- claim race: 100 trials of two caseworkers claiming the same handoff at the same moment
  (two real concurrent HTTP requests): exactly one must win each time;
- caseworker → Rasa relay latency: from the reply's POST to the call arriving at a loopback
  receiver standing in for Rasa's ``trigger_intent`` (through the delivery worker).

Results are printed and written to ``reports/bench_console.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from bot.handoff.models import PRIORITIES, Handoff
from bot.settings import ROOT
from tests.console_support import Backend, RasaStub, fresh_database, start_console

QUEUED = 1000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def seed_queue(backend: Backend, count: int) -> None:
    """``count`` queued handoffs in one transaction (priorities and topics mixed, waits spread)."""
    now = time.time()
    topics = ["violence", "child_protection", "disability", "social_aid", "elderly"]
    with backend.store.sessions.begin() as session:
        for i in range(count):
            session.add(
                Handoff(
                    conversation_id=f"bench-{i}", channel="telegram", language=("ary", "ar", "fr")[i % 3],
                    topic=topics[i % 5], priority=list(PRIORITIES.values())[i % 3], kind="live",
                    consent_scope="summary", summary={"topic": topics[i % 5]}, status="queued",
                    created_at=now - i * 7, erased=False, alert_at=now if i % 50 == 0 else None,
                )
            )  # fmt: skip


def bench_render(backend: Backend, requests: int) -> dict:
    _user, client = backend.logged_in()
    client.get("/queue")  # warm-up
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get("/queue")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and response.text.count("data-handoff=") >= QUEUED
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
    }


def bench_race(backend: Backend, trials: int) -> dict:
    players = [backend.logged_in(), backend.logged_in()]
    one_winner = 0
    wins = [0, 0]
    for trial in range(trials):
        handoff = backend.store.create(
            conversation_id=f"race-{trial}", channel="telegram", language="fr", topic="other", priority="normal",
            consent_scope="summary", summary={},
        )  # fmt: skip
        barrier = threading.Barrier(2)
        statuses = [0, 0]

        def claim(index: int, handoff_id: int = handoff.id, barrier=barrier, statuses=statuses) -> None:
            client = players[index][1]
            barrier.wait()
            statuses[index] = client.post(f"/handoffs/{handoff_id}/claim").status_code

        threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        holder = backend.store.get(handoff.id).claimed_by
        if sorted(statuses) == [303, 409]:
            winner = statuses.index(303)
            if holder == players[winner][0].id:
                one_winner += 1
                wins[winner] += 1
    return {"trials": trials, "exactly_one_winner": one_winner, "wins_per_caseworker": wins}


def bench_relay(backend: Backend, replies: int) -> dict:
    user, client = backend.logged_in()
    handoff = backend.store.create(
        conversation_id="relay-bench", channel="telegram", language="fr", topic="other", priority="normal",
        consent_scope="summary", summary={},
    )  # fmt: skip
    client.post(f"/handoffs/{handoff.id}/claim")
    backend.wait_calls("relay-bench", 1)
    latencies = []
    for i in range(replies):
        before = len(backend.calls_for("relay-bench"))
        start = time.time()
        response = client.post(f"/handoffs/{handoff.id}/reply", {"text": f"réponse {i}"})
        assert response.status_code == 303, response.status_code
        call = backend.wait_calls("relay-bench", before + 1)[before]
        latencies.append((call["at"] - start) * 1000)
    assert user.id == backend.store.get(handoff.id).claimed_by
    return {"replies": replies, "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(percentile(latencies, 95), 1), "max_ms": round(max(latencies), 1)}  # fmt: skip


def run(kind: str, trials: int, requests: int, replies: int) -> dict:
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        stub = RasaStub()
        stack.callback(stub.close)
        url = stack.enter_context(fresh_database(kind, workdir / "db"))
        console = start_console(url, stub.url, workdir)
        stack.callback(console.stop)
        backend = Backend(url, console, stub, workdir)
        seed_queue(backend, QUEUED)
        return {
            "queue_page_1000": bench_render(backend, requests),
            "claim_race": bench_race(backend, trials),
            "relay_caseworker_to_rasa": bench_relay(backend, replies),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--replies", type=int, default=50)
    args = parser.parse_args()
    results = {kind: run(kind, args.trials, args.requests, args.replies) for kind in args.backends}
    for kind, result in results.items():
        render, race, relay = (
            result["queue_page_1000"],
            result["claim_race"],
            result["relay_caseworker_to_rasa"],
        )
        print(f"\n[{kind}]")
        print(f"  queue page, {QUEUED} queued handoffs: p50 {render['p50_ms']} ms, p95 {render['p95_ms']} ms "
              f"({render['requests']} requests)")  # fmt: skip
        print(f"  claim race: exactly one winner in {race['exactly_one_winner']}/{race['trials']} trials "
              f"(wins per caseworker {race['wins_per_caseworker']})")  # fmt: skip
        print(f"  caseworker -> Rasa relay: p50 {relay['p50_ms']} ms, p95 {relay['p95_ms']} ms, "
              f"max {relay['max_ms']} ms ({relay['replies']} replies)")  # fmt: skip
    out = ROOT / "reports" / "bench_console.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
