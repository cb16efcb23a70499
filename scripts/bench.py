"""`make bench`: training time, parse latency and REST round trip, for the project and for Rasa's
default `rasa init` pipeline trained on the same data (as a ratio). Prints numbers only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bot import rasa_api
from bot.launcher import action_server_command, rasa_server_command, service_env, stop, wait_until_ready
from bot.settings import ROOT
from bot.training import MODEL_FILE, TRAINING_DATA

BASELINE_CONFIG = ROOT / "benchmarks" / "rasa_default_config.yml"
CONVERSATION = [
    "السلام عليكم",
    '/choose_language{"language": "ary"}',
    "بغيت نعرف كيفاش نخرج بطاقة الإعاقة لولدي",
    "wach kayn chi d3m l drari li ma kayqraouch",
    "mon père a 70 ans et vit seul, existe-t-il une maison pour personnes âgées ?",
    "أريد التحدث مع مساعد اجتماعي",
    "merci beaucoup",
    "bslama",
]
PARSE_SAMPLES = [
    "راجلي كيضربني شنو ندير", "bghit la carte dyal l i3a9a", "أين يوجد أقرب مركز اجتماعي في وجدة",
    "je cherche une aide pour ma mère âgée", "wach kayn chi formation l3yalat", "كيفاش نتسجل فالسجل الاجتماعي",
    "il a un couteau", "salam", "merci", "chno katdir nta",
]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def train(config: Path, out: Path) -> tuple[float, Path]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--force", "--config", str(config), "--domain", "domain.yml",
         "--data", *TRAINING_DATA, "--out", str(out), "--fixed-model-name", "bench"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started, out / "bench.tar.gz"


def parse_latency(model: Path, rounds: int = 20) -> list[float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> list[float]:
        timings = []
        for text in PARSE_SAMPLES[:2]:
            await agent.parse_message(text)  # warm-up
        for _ in range(rounds):
            for text in PARSE_SAMPLES:
                started = time.perf_counter()
                await agent.parse_message(text)
                timings.append((time.perf_counter() - started) * 1000)
        return timings

    return asyncio.run(run())


def rest_round_trips(model: Path, conversations: int = 10) -> list[float]:
    """Round trips of a typical conversation, repeated; the first conversation warms up."""
    return rest_round_trips_for(model, [CONVERSATION] * conversations)[len(CONVERSATION) :]


def rest_round_trips_for(model: Path, conversations: list[list[str]]) -> list[float]:
    """Starts the action and Rasa servers on free ports and times every message of each conversation."""
    from tests.conftest import free_port

    rasa_port, actions_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = service_env(actions_port, Path(tmp) / "tracker.db")
        env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{actions_port}/webhook"
        env["TRACKER_DB"] = str(Path(tmp) / "tracker.db")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT, "env": env}
        processes = [subprocess.Popen(action_server_command(actions_port), **quiet)]
        try:
            wait_until_ready(f"http://127.0.0.1:{actions_port}/health", process=processes[0])
            processes.append(subprocess.Popen(rasa_server_command(rasa_port, model), **quiet))
            wait_until_ready(
                rasa_api.ready_url(f"http://127.0.0.1:{rasa_port}"), timeout=300, process=processes[1]
            )
            timings = []
            for number, conversation in enumerate(conversations):
                for text in conversation:
                    body = json.dumps({"sender": f"bench-{number}", "message": text}).encode()
                    request = urllib.request.Request(
                        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", data=body,
                        headers={"Content-Type": "application/json"},
                    )  # fmt: skip
                    started = time.perf_counter()
                    with urllib.request.urlopen(request, timeout=60) as response:
                        response.read()
                    timings.append((time.perf_counter() - started) * 1000)
            return timings
        finally:
            stop(processes)


def nearest_centre_benchmark(count: int = 10_000, queries: int = 2_000) -> None:
    """Nearest-centre lookups over ``count`` generated centres (random points in Morocco)."""
    import random

    from bot.geo.directory import CENTER_TYPES, Center, CenterDirectory

    rng = random.Random(1)
    centers = [
        Center(f"g{i}", "", f"G{i}", tuple(rng.sample(CENTER_TYPES, 2)), "x", "r", "", rng.uniform(21, 35.9),
               rng.uniform(-17, -1.5), "", "", "generated", "", False)
        for i in range(count)
    ]  # fmt: skip
    started = time.perf_counter()
    directory = CenterDirectory(centers)
    build_ms = (time.perf_counter() - started) * 1000
    timings = []
    for _ in range(queries):
        lat, lon, kind = rng.uniform(21, 35.9), rng.uniform(-17, -1.5), rng.choice([None, *CENTER_TYPES])
        started = time.perf_counter()
        directory.nearest(lat, lon, kind)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"nearest centre over {count:,} centres: index {build_ms:.0f} ms, lookup p50 {statistics.median(timings):.3f} ms, "
        f"p95 {percentile(timings, 95):.3f} ms ({queries} lookups)",
        flush=True,
    )


def measure(name: str, config: Path | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if config is None:
            seconds, model = None, MODEL_FILE
        else:
            seconds, model = train(config, Path(tmp))
        parse = parse_latency(model)
        rest = rest_round_trips(model)
    row = {
        "name": name,
        "train_s": seconds,
        "parse_p50_ms": statistics.median(parse),
        "parse_p95_ms": percentile(parse, 95),
        "rest_p50_ms": statistics.median(rest),
        "rest_p95_ms": percentile(rest, 95),
    }
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-baseline", action="store_true", help="only measure the project")
    parser.add_argument("--reuse-model", action="store_true", help="do not retrain the project model")
    args = parser.parse_args()
    nearest_centre_benchmark()
    project = measure("project", None if args.reuse_model else ROOT / "config.yml")
    rows = [project]
    if not args.skip_baseline:
        rows.append(measure("rasa-init", BASELINE_CONFIG))
    print(f"\n{'':<10} {'train s':>8} {'parse p50':>10} {'parse p95':>10} {'REST p50':>9} {'REST p95':>9}")
    for row in rows:
        train_s = f"{row['train_s']:.0f}" if row["train_s"] else "-"
        print(
            f"{row['name']:<10} {train_s:>8} {row['parse_p50_ms']:>8.1f}ms {row['parse_p95_ms']:>8.1f}ms "
            f"{row['rest_p50_ms']:>7.1f}ms {row['rest_p95_ms']:>7.1f}ms"
        )
    if len(rows) == 2:
        base = rows[1]
        ratios = {k: project[k] / base[k] for k in ("parse_p95_ms", "rest_p95_ms") if base[k]}
        if project["train_s"] and base["train_s"]:
            ratios["train_s"] = project["train_s"] / base["train_s"]
        print("project / rasa-init: " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))


if __name__ == "__main__":
    main()
