"""`make eval-blind`: the trained model scored on the blind NLU set (tests/data/nlu_blind/).

The blind set was written without reading the training data, so its scores are the honest ones
(cross-validation on data the team reads and tunes on flatters the model). Prints per variety:
n, accuracy, macro-F1 over the intents of the variety, danger recall (emergency or violence
messages predicted as either), false alarms, entity recall per type, and the intents that fail
most; writes every misclassified message to reports/tmp/nlu_blind_errors.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score

from bot.settings import ROOT
from bot.training import MODEL_FILE
from scripts.evaluate_nlu import SAFETY_GROUP, _prf, count_entities
from scripts.retrain_check import quiet_rasa_logs

BLIND_DIR = ROOT / "tests" / "data" / "nlu_blind"
ERRORS_FILE = ROOT / "reports" / "tmp" / "nlu_blind_errors.json"
#: Varieties in report order; each is one file ``<variety>.yml`` of the blind set.
VARIETIES = ("ary_arab", "ary_latn", "ar", "fr", "mixed")
#: The intent whose reply gives the emergency numbers first (danger recall also accepts violence support).
EMERGENCY = "emergency"


@dataclass
class BlindMessage:
    """One message of the blind set with its gold labels."""

    text: str
    intent: str
    variety: str
    entities: list[dict] = field(default_factory=list)


def load_blind_set(directory: Path = BLIND_DIR) -> list[BlindMessage]:
    """Every message of the blind set; the variety is the file's name."""
    messages = []
    for path in sorted(directory.glob("*.yml")):
        data = load_data(str(path))
        messages.extend(
            BlindMessage(e.get("text"), e.get("intent"), path.stem, list(e.get("entities") or []))
            for e in data.intent_examples
        )
    return messages


async def _parse_all(model: Path, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def score_variety(rows: list[tuple[BlindMessage, dict]]) -> dict:
    """Intent, danger and entity scores of one variety's (message, parse) pairs."""
    truth = [m.intent for m, _ in rows]
    predicted = [(p.get("intent") or {}).get("name") or "None" for _, p in rows]
    danger = [i for i, t in enumerate(truth) if t in SAFETY_GROUP]
    others = [i for i, t in enumerate(truth) if t not in SAFETY_GROUP]
    entity_types = {e["entity"] for m, _ in rows for e in m.entities}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    for message, parse in rows:
        count_entities(message.entities, parse.get("entities") or [], entity_types, counts)
    failures = Counter(t for t, p in zip(truth, predicted, strict=True) if t != p)
    return {
        "n": len(rows),
        "accuracy": round(sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(rows), 4),
        "macro_f1": round(
            float(f1_score(truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0)), 4
        ),
        "danger_caught": sum(predicted[i] in SAFETY_GROUP for i in danger),
        "danger_n": len(danger),
        "emergency_caught": sum(p == t == EMERGENCY for t, p in zip(truth, predicted, strict=True)),
        "emergency_n": truth.count(EMERGENCY),
        "false_alarms": sum(predicted[i] in SAFETY_GROUP for i in others),
        "others_n": len(others),
        "entities": {entity: _prf(c) for entity, c in sorted(counts.items())},
        "failing_intents": failures.most_common(),
    }


def report(messages: list[BlindMessage], parses: list[dict]) -> dict:
    by_variety: dict[str, list] = defaultdict(list)
    for message, parse in zip(messages, parses, strict=True):
        by_variety[message.variety].append((message, parse))
        by_variety["all"].append((message, parse))
    order = [v for v in (*VARIETIES, *sorted(by_variety)) if v in by_variety]
    scores = {variety: score_variety(by_variety[variety]) for variety in dict.fromkeys(order)}
    errors = [
        {
            "variety": m.variety,
            "text": m.text,
            "intent": m.intent,
            "predicted": (p.get("intent") or {}).get("name"),
            "confidence": round(float((p.get("intent") or {}).get("confidence") or 0.0), 3),
            "danger_missed": m.intent in SAFETY_GROUP
            and (p.get("intent") or {}).get("name") not in SAFETY_GROUP,
        }
        for m, p in zip(messages, parses, strict=True)
        if m.intent != (p.get("intent") or {}).get("name")
    ]
    return {"varieties": scores, "errors": errors}


def print_report(result: dict, model: Path) -> None:
    print(f"\nblind NLU set ({BLIND_DIR.relative_to(ROOT)}), model {model}")
    header = f"{'variety':<10} {'n':>4} {'accuracy':>9} {'macro-F1':>9} {'danger recall':>14} {'emergency':>10} {'false alarms':>13}"
    print(header + "  entity recall")
    for variety, row in result["varieties"].items():
        danger = f"{row['danger_caught']}/{row['danger_n']}"
        emergency = f"{row['emergency_caught']}/{row['emergency_n']}"
        alarms = f"{row['false_alarms']}/{row['others_n']}"
        entities = "  ".join(
            f"{name} {s['recall']:.2f} ({s['support']})" for name, s in row["entities"].items()
        )
        print(
            f"{variety:<10} {row['n']:>4} {row['accuracy']:>9.3f} {row['macro_f1']:>9.3f} "
            f"{danger:>14} {emergency:>10} {alarms:>13}  {entities}"
        )
    print("\nintents that fail most (gold intent: messages missed)")
    for variety, row in result["varieties"].items():
        if variety != "all":
            worst = ", ".join(f"{intent} {n}" for intent, n in row["failing_intents"][:5]) or "-"
            print(f"  {variety:<9} {worst}")
    missed = [e for e in result["errors"] if e["danger_missed"]]
    print(f"\ndanger messages missed: {len(missed)}")
    for error in missed:
        print(f"  [{error['variety']}] {error['text']}  ({error['intent']} -> {error['predicted']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=MODEL_FILE)
    args = parser.parse_args()
    quiet_rasa_logs()
    messages = load_blind_set()
    parses = asyncio.run(_parse_all(args.model, [m.text for m in messages]))
    result = report(messages, parses)
    ERRORS_FILE.parent.mkdir(parents=True, exist_ok=True)
    ERRORS_FILE.write_text(json.dumps(result["errors"], ensure_ascii=False, indent=1), encoding="utf-8")
    print_report(result, args.model)
    print(f"\n{len(result['errors'])} misclassified messages: {ERRORS_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
