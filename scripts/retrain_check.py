"""`make retrain-check`: would a model trained on the current data be worse than the current one?

Trains a candidate NLU model on the current ``data/nlu`` into a temporary folder (the model in
``models/`` is never touched), parses the held-out test files ``tests/data/nlu_holdout/*.yml``
(messages that are not training examples) with the current model and with the candidate, prints
macro-F1 per variety before and after, writes ``reports/retrain_check.json``, and exits 1 when
any variety drops by more than the margin (``--margin``, default 0.02).

Compare two saved evaluations without training: ``--before a.json --after b.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.settings import ROOT

HOLDOUT = ROOT / "tests" / "data" / "nlu_holdout"
CURRENT_MODEL = ROOT / "models" / "jisr.tar.gz"
REPORT = ROOT / "reports" / "retrain_check.json"
DEFAULT_MARGIN = 0.02


@dataclass(frozen=True)
class Change:
    """Macro-F1 of one variety before and after retraining."""

    variety: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else round(self.after - self.before, 4)

    def regressed(self, margin: float) -> bool:
        """True when the variety lost more than ``margin`` (or disappeared from the candidate)."""
        if self.before is None:
            return False
        return self.after is None or self.after < self.before - margin - 1e-9


def macro_f1_by_variety(truth: list[str], predicted: list[str], varieties: list[str]) -> dict[str, float]:
    """Macro-F1 over the intents present in each variety (as `make eval` computes it), plus "all"."""
    from sklearn.metrics import f1_score

    groups: dict[str, list[int]] = defaultdict(list)
    for index, variety in enumerate(varieties):
        groups[variety].append(index)
    groups["all"] = list(range(len(truth)))
    scores = {}
    for variety, idx in sorted(groups.items()):
        if not idx:
            continue
        t, p = [truth[i] for i in idx], [predicted[i] for i in idx]
        scores[variety] = round(
            float(f1_score(t, p, average="macro", labels=sorted(set(t)), zero_division=0)), 4
        )
    return scores


def compare(
    before: dict[str, float], after: dict[str, float], margin: float
) -> tuple[list[Change], list[Change]]:
    """All per-variety changes, and those that drop by more than ``margin``."""
    changes = [Change(v, before.get(v), after.get(v)) for v in sorted(set(before) | set(after))]
    return changes, [c for c in changes if c.regressed(margin)]


def scores_of(report: dict) -> dict[str, float]:
    """Macro-F1 per variety from a saved evaluation: this script's or `make eval`'s JSON."""
    if "macro_f1" in report:
        return {v: float(f) for v, f in report["macro_f1"].items()}
    if "varieties" in report:
        return {v: float(row["macro_f1"]) for v, row in report["varieties"].items()}
    raise ValueError("not an evaluation report: expected 'macro_f1' or 'varieties'")


def holdout_examples(folder: Path = HOLDOUT) -> list[tuple[str, str, str]]:
    """``(text, intent, variety)`` of every held-out example."""
    from bot.nlu.training_examples import project_examples

    return [(e.text, e.intent, e.variety) for e in project_examples(folder.parent, folder.name)]


async def _parse_all(model: Path, texts: list[str]) -> list[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    intents = []
    for text in texts:
        parse = await agent.parse_message(text)
        intents.append((parse.get("intent") or {}).get("name") or "None")
    return intents


def evaluate_model(model: Path, examples: list[tuple[str, str, str]]) -> dict:
    """Scores of ``model`` on the examples, with its predictions (kept in the report)."""
    predicted = asyncio.run(_parse_all(model, [text for text, _, _ in examples]))
    truth = [intent for _, intent, _ in examples]
    varieties = [variety for _, _, variety in examples]
    return {
        "model": str(model),
        "macro_f1": macro_f1_by_variety(truth, predicted, varieties),
        "errors": [
            {"text": t, "variety": v, "intent": i, "predicted": p}
            for (t, i, v), p in zip(examples, predicted, strict=True)
            if i != p
        ],
    }


def train_candidate(workdir: Path) -> Path:
    """An NLU model trained on the current data, written under ``workdir`` only."""
    from rasa.model_training import train_nlu

    model = train_nlu(str(ROOT / "config.yml"), str(ROOT / "data" / "nlu"), str(workdir),
                      fixed_model_name="candidate", domain=str(ROOT / "domain.yml"))  # fmt: skip
    if not model:
        raise SystemExit("training the candidate model failed (run `make validate` for the reason)")
    return Path(model)


def print_table(changes: list[Change], margin: float) -> None:
    print(f"{'variety':<10} {'before':>8} {'after':>8} {'change':>8}")
    for change in changes:
        before = f"{change.before:.3f}" if change.before is not None else "-"
        after = f"{change.after:.3f}" if change.after is not None else "-"
        delta = f"{change.delta:+.3f}" if change.delta is not None else "-"
        flag = "  DROP" if change.regressed(margin) else ""
        print(f"{change.variety:<10} {before:>8} {after:>8} {delta:>8}{flag}")


def verdict(changes: list[Change], regressions: list[Change], margin: float) -> int:
    """Prints the table and the decision; returns the exit code."""
    print_table(changes, margin)
    if regressions:
        names = ", ".join(
            f"{c.variety} ({c.delta:+.3f})" if c.delta is not None else c.variety for c in regressions
        )
        print(f"REFUSED: macro-F1 drops by more than {margin} in {names}; see reports/retrain_check.json")
        return 1
    print(f"OK: no variety drops by more than {margin}")
    return 0


def quiet_rasa_logs() -> None:
    """No per-message debug lines from Rasa's parser (training progress bars stay)."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--margin", type=float, default=DEFAULT_MARGIN, help="largest accepted drop (0.02)")
    parser.add_argument("--model", type=Path, default=CURRENT_MODEL, help="the current model")
    parser.add_argument("--holdout", type=Path, default=HOLDOUT, help="folder of held-out NLU files")
    parser.add_argument("--before", type=Path, help="saved evaluation (JSON) of the current model")
    parser.add_argument("--after", type=Path, help="saved evaluation (JSON) of the candidate")
    args = parser.parse_args(argv)
    if args.before and args.after:
        before = scores_of(json.loads(args.before.read_text(encoding="utf-8")))
        after = scores_of(json.loads(args.after.read_text(encoding="utf-8")))
        return verdict(*compare(before, after, args.margin), args.margin)
    quiet_rasa_logs()
    examples = holdout_examples(args.holdout)
    if not examples:
        raise SystemExit(f"no held-out examples in {args.holdout}: run python -m scripts.build_holdout")
    print(f"{len(examples)} held-out examples in {args.holdout.relative_to(ROOT)}")
    before = evaluate_model(args.model, examples) if args.model.exists() else None
    if before is None:
        print(f"no current model at {args.model}: the candidate is compared with nothing")
    with tempfile.TemporaryDirectory(prefix="jisr-candidate-") as tmp:
        after = evaluate_model(train_candidate(Path(tmp)), examples)
    changes, regressions = compare(before["macro_f1"] if before else {}, after["macro_f1"], args.margin)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        json.dumps({"margin": args.margin, "before": before, "after": after}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return verdict(changes, regressions, args.margin)


if __name__ == "__main__":
    sys.exit(main())
