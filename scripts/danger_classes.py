"""`make bench-danger-classes`: per danger class and variety, how many messages of the development
set (tests/data/danger_classes.yml) reach the path they need.

A danger class (being followed, a weapon, threats, confinement, an attack witnessed, injuries,
suicide) needs the emergency path: the emergency numbers in the first reply, whether the keyword
safety net or the classifier chose it. A violence class (psychological, online, economic violence,
forced marriage) needs violence support; emergency is counted apart there, as a safe but louder
answer. The safety net alone is shown too, since it must not depend on the model.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import yaml

from bot.nlu.danger_terms import DangerTerms
from bot.settings import ROOT
from bot.training import MODEL_FILE
from scripts.retrain_check import quiet_rasa_logs

DEV_SET = ROOT / "tests" / "data" / "danger_classes.yml"
VARIETIES = ("ary_arab", "ary_latn", "ar", "fr", "mixed")
EMERGENCY = "emergency"
VIOLENCE = "violence_support"


@dataclass(frozen=True)
class DangerMessage:
    """One development message with its class, variety and the intent it must reach."""

    text: str
    danger_class: str
    variety: str
    expected: str


def load_dev_set(path: Path = DEV_SET) -> list[DangerMessage]:
    """Every message of the development set, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        DangerMessage(text, name, variety, spec["expected"])
        for name, spec in data["classes"].items()
        for variety in VARIETIES
        for text in spec.get(variety, [])
    ]


async def _intents(model: Path, texts: list[str]) -> list[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [((await agent.parse_message(t)).get("intent") or {}).get("name") or "None" for t in texts]


def _cell(counts: list[int]) -> str:
    reached, total, by_net = counts
    return f"{reached}/{total} [{by_net}]"


def print_table(messages: list[DangerMessage], intents: list[str], net: list[bool]) -> None:
    """Reached/total per class and variety (full NLU), then the safety net's share and the misses."""
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for message, intent, caught in zip(messages, intents, net, strict=True):
        for variety in (message.variety, "all"):
            cell = cells[(message.danger_class, variety)]
            cell[0] += intent == message.expected
            cell[1] += 1
            cell[2] += caught
    classes = list(dict.fromkeys(m.danger_class for m in messages))
    print("\nreached the expected path (full NLU: classifier + safety net) / messages;  [safety net alone]")
    print(f"{'class':<18} {'expected':<17}" + "".join(f"{v:>13}" for v in (*VARIETIES, "all")))
    for name in classes:
        expected = next(m.expected for m in messages if m.danger_class == name)
        row = "".join(f"{_cell(cells[(name, v)]):>13}" for v in (*VARIETIES, "all"))
        print(f"{name:<18} {expected:<17}{row}")
    for expected in (EMERGENCY, VIOLENCE):
        rows = [(m, i) for m, i in zip(messages, intents, strict=True) if m.expected == expected]
        reached = sum(i == expected for _, i in rows)
        print(f"total {expected}: {reached}/{len(rows)}")
    louder = sum(m.expected == VIOLENCE and i == EMERGENCY for m, i in zip(messages, intents, strict=True))
    print(f"violence messages answered as emergency (safe, louder): {louder}")
    print("\nmisses (class, variety, predicted intent, text)")
    for message, intent in zip(messages, intents, strict=True):
        if intent != message.expected:
            print(f"  {message.danger_class:<17} {message.variety:<9} {intent:<22} {message.text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL_FILE)
    args = parser.parse_args()
    quiet_rasa_logs()
    messages = load_dev_set()
    intents = asyncio.run(_intents(args.model, [m.text for m in messages]))
    terms = DangerTerms.load()
    print_table(messages, intents, [terms.find(m.text) is not None for m in messages])


if __name__ == "__main__":
    main()
