"""`make eval`: k-fold cross-validation of the NLU pipeline, reported per language variety.

Folds are stratified by intent and variety, so every variety is tested on every fold. Prints
macro-F1 per variety, recall of the safety group (emergency + violence_support, either label
counts as caught), language-detection accuracy, and writes reports/nlu_eval_<name>.json and a
confusion-matrix PNG.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold

from bot.settings import ROOT

REPORTS = ROOT / "reports"
SAFETY_GROUP = {"emergency", "violence_support"}
VARIETIES = ("ary_arab", "ary_latn", "ar", "fr", "mixed")
EXPECTED_LANGUAGE = {"ary_arab": "ary", "ary_latn": "ary", "mixed": "ary", "ar": "ar", "fr": "fr"}


def variety_of(example) -> str:
    return ((example.get(METADATA) or {}).get(METADATA_INTENT) or {}).get("variety", "unknown")


async def _parse_all(model: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [await agent.parse_message(text) for text in texts]


def fold_yaml(examples: list) -> str:
    """NLU YAML with one block per (intent, variety), so the variety tags survive (Rasa's own writer
    keeps only the first example's metadata per intent, which would mislabel the language detector)."""
    from rasa.shared.nlu.training_data.formats.readerwriter import TrainingDataWriter

    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for example in examples:
        groups[(example.get("intent"), variety_of(example))].append(
            TrainingDataWriter.generate_message(example)
        )
    blocks = ['version: "3.1"', "nlu:"]
    for (intent, variety), lines in groups.items():
        blocks.append(f"- intent: {intent}\n  metadata:\n    variety: {variety}\n  examples: |")
        blocks.extend(f"    - {line}" for line in lines)
    return "\n".join(blocks) + "\n"


def train_fold(config: Path, train: TrainingData, workdir: Path) -> str:
    from rasa.model_training import train_nlu

    data_file = workdir / "train.yml"
    data_file.write_text(fold_yaml(train.intent_examples), encoding="utf-8")
    return train_nlu(str(config), str(data_file), str(workdir / "models"))


def evaluate(
    config: Path, folds: int, name: str, limit_folds: int | None = None, with_entities: bool = True
) -> dict:
    data = load_data(str(ROOT / "data/nlu"))
    examples = [e for e in data.intent_examples if e.get("text")]
    strata = [f"{e.get('intent')}|{variety_of(e)}" for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
    truth, predicted, varieties, languages, texts, ranked = [], [], [], [], [], []
    entity_counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    variety_counts: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0}))
    entity_types = {e["entity"] for example in examples for e in example.get("entities") or []}
    train_seconds = []
    for fold, (train_idx, test_idx) in enumerate(splitter.split(examples, strata)):
        if limit_folds is not None and fold >= limit_folds:
            break
        train = TrainingData([examples[i] for i in train_idx], entity_synonyms=data.entity_synonyms)
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            model = train_fold(config, train, Path(tmp))
            train_seconds.append(time.perf_counter() - started)
            test = [examples[i] for i in test_idx]
            parses = asyncio.run(_parse_all(model, [e.get("text") for e in test]))
        for example, parse in zip(test, parses, strict=True):
            truth.append(example.get("intent"))
            predicted.append((parse.get("intent") or {}).get("name") or "None")
            varieties.append(variety_of(example))
            texts.append(example.get("text"))
            detected = [e["value"] for e in parse.get("entities", []) if e["entity"] == "detected_language"]
            languages.append(detected[0] if detected else None)
            top = next((r for r in parse.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"), {})
            ranked.append((top.get("name") or "None", float(top.get("confidence") or 0.0)))
            if with_entities:
                for counts in (entity_counts, variety_counts[variety_of(example)]):
                    count_entities(example.get("entities") or [], parse.get("entities") or [], entity_types,
                                   counts)  # fmt: skip
        print(f"fold {fold + 1}/{folds}: trained in {train_seconds[-1]:.0f}s", flush=True)
    report = summarise(name, truth, predicted, varieties, languages, texts, train_seconds)
    report["fallback_thresholds"] = threshold_sweep(truth, ranked, varieties)
    if with_entities:
        report["entities"] = entity_scores(entity_counts)
        report["entities_by_variety"] = {v: entity_scores(c) for v, c in sorted(variety_counts.items())}
    return report


def count_entities(gold: list[dict], found: list[dict], types: set[str], counts: dict) -> None:
    """Adds one message's entity matches to ``counts``: a found entity matches a gold one of the same
    type whose character span it overlaps (resolvers rewrite values, so spans are what both share)."""
    unmatched = [e for e in found if e.get("entity") in types and "start" in e and "end" in e]
    for entity in gold:
        match = next(
            (f for f in unmatched
             if f["entity"] == entity["entity"] and f["start"] < entity["end"] and entity["start"] < f["end"]),
            None,
        )  # fmt: skip
        if match is None:
            counts[entity["entity"]]["fn"] += 1
        else:
            counts[entity["entity"]]["tp"] += 1
            unmatched.remove(match)
    for entity in unmatched:
        counts[entity["entity"]]["fp"] += 1


def entity_scores(counts: dict) -> dict:
    """Precision, recall and F1 per entity type, and micro-averaged over all types."""
    scores = {}
    total = {"tp": 0, "fp": 0, "fn": 0}
    for entity, c in sorted(counts.items()):
        for key in total:
            total[key] += c[key]
        scores[entity] = _prf(c)
    scores["all"] = _prf(total)
    return scores


def _prf(c: dict) -> dict:
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "support": c["tp"] + c["fn"]}  # fmt: skip


def threshold_sweep(truth, ranked, varieties) -> dict:
    """Macro-F1 per variety as if the fallback threshold were each candidate value (no retraining:
    the classifier's own top intent and confidence are kept for every example)."""
    sweep = {}
    for threshold in (0.2, 0.3, 0.35, 0.4, 0.45):
        simulated = ["nlu_fallback" if conf < threshold else name for name, conf in ranked]
        row = {}
        for variety in VARIETIES:
            idx = [i for i, v in enumerate(varieties) if v == variety]
            if idx:
                t = [truth[i] for i in idx]
                row[variety] = round(float(f1_score(t, [simulated[i] for i in idx], average="macro",
                                                    labels=sorted(set(t)), zero_division=0)), 4)  # fmt: skip
        row["fallback_share"] = round(sum(p == "nlu_fallback" for p in simulated) / len(simulated), 4)
        sweep[str(threshold)] = row
    return sweep


def summarise(name, truth, predicted, varieties, languages, texts, train_seconds) -> dict:
    report: dict = {
        "name": name,
        "examples": len(truth),
        "train_seconds_per_fold": train_seconds,
        "varieties": {},
    }
    by_variety = defaultdict(list)
    for i, variety in enumerate(varieties):
        by_variety[variety].append(i)
    for variety in [*VARIETIES, "all"]:
        idx = list(range(len(truth))) if variety == "all" else by_variety.get(variety, [])
        if not idx:
            continue
        t = [truth[i] for i in idx]
        p = [predicted[i] for i in idx]
        safety = [i for i in idx if truth[i] in SAFETY_GROUP]
        caught = sum(predicted[i] in SAFETY_GROUP for i in safety)
        lang_idx = [i for i in idx if varieties[i] in EXPECTED_LANGUAGE]
        lang_ok = sum(languages[i] == EXPECTED_LANGUAGE[varieties[i]] for i in lang_idx)
        report["varieties"][variety] = {
            "n": len(idx),
            "macro_f1": round(
                float(f1_score(t, p, average="macro", labels=sorted(set(t)), zero_division=0)), 4
            ),
            "accuracy": round(float(np.mean([a == b for a, b in zip(t, p, strict=True)])), 4),
            "safety_recall": round(caught / len(safety), 4) if safety else None,
            "safety_n": len(safety),
            "language_accuracy": round(lang_ok / len(lang_idx), 4) if lang_idx else None,
        }
    report["errors"] = [
        {"text": texts[i], "variety": varieties[i], "intent": truth[i], "predicted": predicted[i]}
        for i in range(len(truth))
        if truth[i] != predicted[i]
    ]
    labels = sorted(set(truth) | set(predicted))
    report["labels"] = labels
    report["confusion"] = confusion_matrix(truth, predicted, labels=labels).tolist()
    return report


def plot_confusion(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, matrix = report["labels"], np.array(report["confusion"])
    fig, ax = plt.subplots(figsize=(12, 10))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for (row, col), value in np.ndenumerate(matrix):
        if value:
            ax.text(col, row, str(value), ha="center", va="center", fontsize=6,
                    color="white" if value > matrix.max() / 2 else "black")  # fmt: skip
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"NLU cross-validation ({report['name']}, {report['examples']} examples)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


VARIANTS = ("project", "intents-only", "diet", "no-dense", "no-arabizi-folding", "rasa-default")
ENTITY_EXTRACTORS = ("CRFEntityExtractor", "DIETClassifier")
#: DIET as the project first configured it, for ``--variant diet``.
DIET_INTENTS_AND_ENTITIES = {
    "name": "DIETClassifier", "epochs": 40, "number_of_transformer_layers": 1, "transformer_size": 128,
    "batch_size": [128, 256], "constrain_similarities": True, "random_seed": 42,
}  # fmt: skip


def variant_config(variant: str, workdir: Path, base: Path = ROOT / "config.yml") -> Path:
    """The pipeline to evaluate: the project's (or ``base``), one of its measured alternatives, or
    Rasa's default."""
    import yaml

    if variant == "rasa-default":
        return ROOT / "benchmarks" / "rasa_default_config.yml"
    config = yaml.safe_load(base.read_text(encoding="utf-8"))
    if variant == "diet":
        # DIET classifies the intents and extracts the entities (in place of the linear classifier
        # and the CRF), as it did in the project's first pipeline
        config["pipeline"] = [
            DIET_INTENTS_AND_ENTITIES if c["name"].endswith("LinearIntentClassifier") else c
            for c in config["pipeline"]
            if c["name"] not in ENTITY_EXTRACTORS
        ]
    elif variant == "intents-only":
        # the same intents as the project's pipeline (its entity extractor does not touch them), in
        # a fraction of the time: for quick iteration on intent data; entities are not scored
        config["pipeline"] = [c for c in config["pipeline"] if c["name"] not in ENTITY_EXTRACTORS]
    elif variant == "no-dense":
        config["pipeline"] = [
            c for c in config["pipeline"] if not c["name"].endswith("SentenceEmbeddingFeaturizer")
        ]
    elif variant == "no-arabizi-folding":
        for component in config["pipeline"]:
            if component["name"].endswith("NormalizingTokenizer"):
                component["arabizi_folding"] = False
    elif variant != "project":
        raise ValueError(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    path = workdir / f"config_{variant}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def print_report(report: dict) -> None:
    print(f"\n{report['name']}: {report['examples']} examples")
    print(f"{'variety':<10} {'n':>5} {'macro-F1':>9} {'accuracy':>9} {'safety recall':>14} {'language':>9}")
    for variety, row in report["varieties"].items():
        safety = (
            f"{row['safety_recall']:.3f} ({row['safety_n']})" if row["safety_recall"] is not None else "-"
        )
        language = f"{row['language_accuracy']:.3f}" if row["language_accuracy"] is not None else "-"
        print(
            f"{variety:<10} {row['n']:>5} {row['macro_f1']:>9.3f} {row['accuracy']:>9.3f} {safety:>14} {language:>9}"
        )
    print("\nmacro-F1 if the fallback threshold were …")
    for threshold, row in report.get("fallback_thresholds", {}).items():
        cells = " ".join(f"{v} {row[v]:.3f}" for v in VARIETIES if v in row)
        print(f"  {threshold:>5}: {cells}  (fallback share {row['fallback_share']:.1%})")
    if "entities" in report:
        print("\nentities (a found entity counts when its type matches and its span overlaps):")
        for entity, row in report["entities"].items():
            print(f"  {entity:<12} P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}"
                  f"  ({row['support']})")  # fmt: skip
    if "entities_by_variety" in report:
        print("\ncenter_type per variety:")
        for variety, scores in report["entities_by_variety"].items():
            row = scores.get("center_type")
            if row and row["support"]:
                print(f"  {variety:<10} P {row['precision']:.3f}  R {row['recall']:.3f}  ({row['support']})")
    seconds = report["train_seconds_per_fold"]
    print(f"training per fold: {np.mean(seconds):.0f}s on average")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", choices=VARIANTS, default="project")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--limit-folds",
        type=int,
        default=None,
        help="stop after this many folds (quick look; --limit-folds 1 is a fixed 80/20 split)",
    )
    parser.add_argument(
        "--config", type=Path, default=ROOT / "config.yml", help="pipeline to start from (experiments)"
    )
    parser.add_argument("--name", default=None, help="report name (default: the variant)")
    args = parser.parse_args()
    REPORTS.mkdir(exist_ok=True)
    name = args.name or args.variant
    if args.limit_folds is not None and args.limit_folds < args.folds:
        name += f"_{args.limit_folds}of{args.folds}fold"
    with tempfile.TemporaryDirectory() as tmp:
        config = variant_config(args.variant, Path(tmp), args.config.resolve())
        report = evaluate(config, args.folds, name, args.limit_folds, args.variant != "intents-only")
    (REPORTS / f"nlu_eval_{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    plot_confusion(report, REPORTS / f"nlu_confusion_{name}.png")
    print_report(report)
    print(f"reports/nlu_eval_{name}.json, reports/nlu_confusion_{name}.png written")


if __name__ == "__main__":
    main()
