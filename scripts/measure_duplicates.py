"""Chooses the near-duplicate threshold of `make validate` from measurement (prints a table).

Recall: 600 training examples are copied with a small change (punctuation and case removed, one
letter dropped, two words swapped, one word dropped) — each copy is "near-same text" and should
be caught; the table shows which share of copies reaches each cosine similarity with its original.
False alarms: how many pairs of examples under different intents reach it in the current data
(deliberate negation pairs such as "merci" / "la merci" excluded, as the check does).
"""

from __future__ import annotations

import random
import re

import numpy as np
from rapidfuzz import fuzz

from bot.nlu.training_examples import project_examples
from bot.settings import ROOT
from bot.validation.duplicates import (
    CACHE,
    SETTINGS,
    DuplicateSettings,
    cached_encode,
    near_pairs,
    normal_form,
    use_encoder,
)

THRESHOLDS = (0.8, 0.85, 0.88, 0.9, 0.92, 0.95)
SPELLING = (80, 85, 88, 90, 92, 95)


def _changes(rng: random.Random) -> dict:
    def typo(text: str) -> str:
        words = text.split()
        i = rng.randrange(len(words))
        if len(words[i]) > 3:
            j = rng.randrange(1, len(words[i]) - 1)
            words[i] = words[i][:j] + words[i][j + 1 :]
        return " ".join(words)

    def swap(text: str) -> str:
        words = text.split()
        if len(words) >= 3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)

    def drop(text: str) -> str:
        words = text.split()
        if len(words) >= 5:
            del words[rng.randrange(len(words))]
        return " ".join(words)

    return {
        "punctuation+case": lambda t: re.sub(r"[^\w\s]", "", t).lower(),
        "one letter dropped": typo,
        "two words swapped": swap,
        "one word dropped": drop,
    }


def main() -> None:
    examples = project_examples(ROOT)
    vectors = cached_encode([e.text for e in examples], use_encoder, "use", ROOT / CACHE)
    rng = random.Random(7)
    sample = rng.sample(range(len(examples)), min(600, len(examples)))
    print(f"{len(examples)} examples; share of changed copies at or above each cosine threshold")
    print(f"{'change':<20} {'n':>4} " + " ".join(f"{t:>6}" for t in THRESHOLDS)
          + "   spelling " + " ".join(f"{t:>5}" for t in SPELLING))  # fmt: skip
    for name, change in _changes(rng).items():
        pairs = [(i, change(examples[i].text)) for i in sample]
        pairs = [(i, text) for i, text in pairs if text != examples[i].text]
        copies = use_encoder([text for _, text in pairs])
        sims = (copies * vectors[[i for i, _ in pairs]]).sum(axis=1)
        spelling = np.array(
            [fuzz.ratio(normal_form(examples[i].text), normal_form(text)) for i, text in pairs]
        )
        print(f"{name:<20} {len(pairs):>4} " + " ".join(f"{np.mean(sims >= t):>6.2f}" for t in THRESHOLDS)
              + "   spelling " + " ".join(f"{np.mean(spelling >= t):>5.2f}" for t in SPELLING))  # fmt: skip
    base = DuplicateSettings.load(ROOT / SETTINGS)
    counts = []
    for threshold in THRESHOLDS:
        settings = DuplicateSettings(threshold, 101.0, base.negations, base.allowed_pairs)
        counts.append(len(near_pairs(examples, vectors, settings)))
    spelling_counts = [
        len(near_pairs(examples, vectors, DuplicateSettings(2.0, t, base.negations, base.allowed_pairs)))
        for t in SPELLING
    ]
    print(f"{'cross-intent pairs':<25} " + " ".join(f"{c:>6}" for c in counts)
          + "            " + " ".join(f"{c:>5}" for c in spelling_counts))  # fmt: skip


if __name__ == "__main__":
    main()
