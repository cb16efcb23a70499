"""`make bench-safety`: how reliably danger reaches the emergency path, and how fast.

Prints, per variety: recall of the emergency path on every danger message we have (training
examples of `emergency`, and the conversation tests' emergency messages, which the model never
saw), the false-alarm rate on all other messages, the same for the keyword safety net alone, and
the REST time from a danger message to the first reply (p50/p95) on a running assistant.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict

import yaml
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT
from rasa.shared.nlu.training_data.entities_parser import replace_entities
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlu.danger_terms import DangerTerms
from bot.settings import ROOT
from bot.training import MODEL_FILE
from scripts.bench import percentile, rest_round_trips_for

STORIES = ROOT / "tests" / "stories"
STORY_VARIETY = {
    "darija arabic script": "ary_arab", "darija latin script": "ary_latn",
    "modern standard arabic": "ar", "french": "fr",
}  # fmt: skip


def story_messages() -> list[tuple[str, str, str]]:
    """(text, intent, variety) of every test-story message whose story names its variety."""
    rows = []
    for path in sorted(STORIES.glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            variety = next((v for k, v in STORY_VARIETY.items() if k in story["story"]), "other")
            rows.extend(
                (replace_entities(step["user"].strip()), step["intent"], variety)
                for step in story["steps"]
                if "user" in step and step.get("intent")  # form answers may leave the intent unchecked
            )
    return rows


def training_messages() -> list[tuple[str, str, str]]:
    data = load_data(str(ROOT / "data" / "nlu"))
    return [
        (
            e.get("text"),
            e.get("intent"),
            ((e.get(METADATA) or {}).get(METADATA_INTENT) or {}).get("variety", "other"),
        )
        for e in data.intent_examples
    ]


def rates(rows, predicted) -> dict[str, tuple[float, int, float, int]]:
    """variety → (recall, n danger, false-alarm rate, n other)."""
    by = defaultdict(lambda: [0, 0, 0, 0])
    for (_text, intent, variety), emergency in zip(rows, predicted, strict=True):
        for key in (variety, "all"):
            if intent == "emergency":
                by[key][0] += emergency
                by[key][1] += 1
            else:
                by[key][2] += emergency
                by[key][3] += 1
    return {
        k: (v[0] / v[1] if v[1] else float("nan"), v[1], v[2] / v[3] if v[3] else 0.0, v[3])
        for k, v in by.items()
    }


def print_rates(title: str, table: dict) -> None:
    print(f"\n{title}")
    print(f"{'variety':<10} {'recall':>8} {'(n)':>5} {'false alarms':>13} {'(n)':>6}")
    for variety in ("ary_arab", "ary_latn", "ar", "fr", "mixed", "all"):
        if variety in table:
            recall, n, false_rate, m = table[variety]
            print(f"{variety:<10} {recall:>8.3f} {n:>5} {false_rate:>13.4f} {m:>6}")


def main() -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL_FILE))
    terms = DangerTerms.load()

    async def emergency_predicted(rows):
        return [(await agent.parse_message(text))["intent"]["name"] == "emergency" for text, _, _ in rows]

    for name, rows in (("conversation tests (never seen in training)", story_messages()),
                       ("training examples", training_messages())):  # fmt: skip
        print_rates(
            f"{name}: full NLU (classifier + safety net)", rates(rows, asyncio.run(emergency_predicted(rows)))
        )
        print_rates(
            f"{name}: keyword safety net alone", rates(rows, [terms.find(t) is not None for t, _, _ in rows])
        )
    danger = [text for text, intent, _ in story_messages() if intent == "emergency"]
    timings = rest_round_trips_for(MODEL_FILE, [[text] for text in danger] * 3)
    print(
        f"\ndanger message → first emergency reply over REST: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 95):.1f} ms ({len(timings)} messages)"
    )


if __name__ == "__main__":
    main()
