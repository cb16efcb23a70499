"""Groups review items by similar meaning and suggests the intent each group most likely means.

The embeddings are the NLU pipeline's multilingual USE vectors, computed once at collection, so
the page only clusters: average-linkage agglomerative clustering on cosine distance, cut where
similarity falls below ``group_similarity`` (data/review/settings.yml). Translations of the same
question land together, since USE is multilingual. The suggestion sums the stored NLU ranking of
the group's messages (what the classifier hesitated between), which needs no model at page time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

#: (language, script) detected by the NLU → the training data's variety tag.
VARIETIES = ("ary_arab", "ary_latn", "ar", "fr")


def variety_of(language: str | None, script: str | None) -> str:
    """The variety to preselect; empty when the language was not detected (the editor chooses)."""
    if language == "ary":
        return "ary_latn" if script == "Latn" else "ary_arab"
    return language if language in ("ar", "fr") else ""


@dataclass
class Group:
    """Items of similar meaning, with the suggested intent and its share of the ranking weight."""

    items: list = field(default_factory=list)
    suggestion: str | None = None
    support: float = 0.0


def suggest(items: Sequence) -> tuple[str | None, float]:
    """The intent with the most summed confidence in the items' stored rankings, and its share."""
    weight: dict[str, float] = defaultdict(float)
    for item in items:
        for name, confidence in item.ranking or []:
            weight[name] += float(confidence)
    if not weight:
        return None, 0.0
    best = max(weight, key=weight.get)
    return best, weight[best] / sum(weight.values())


def cluster(vectors: np.ndarray, similarity: float) -> list[int]:
    """A cluster label per row (unit vectors): average linkage, cut at cosine ``similarity``."""
    if len(vectors) < 2:
        return [0] * len(vectors)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    distances = np.clip(pdist(vectors, metric="cosine"), 0.0, 2.0)
    tree = linkage(distances, method="average")
    return [int(label) for label in fcluster(tree, t=1.0 - similarity, criterion="distance")]


def group_items(items: Sequence, similarity: float) -> list[Group]:
    """Groups of items (largest first, then most recent), each with its suggestion."""
    with_vectors = [i for i in items if i.embedding]
    groups: dict[object, Group] = {}
    if with_vectors:
        vectors = np.stack([np.frombuffer(i.embedding, dtype=np.float32) for i in with_vectors])
        for item, label in zip(with_vectors, cluster(vectors, similarity), strict=True):
            groups.setdefault(label, Group()).items.append(item)
    for item in items:
        if not item.embedding:
            groups[("alone", item.id)] = Group(items=[item])
    result = list(groups.values())
    for group in result:
        group.items.sort(key=lambda i: -i.said_at)
        group.suggestion, group.support = suggest(group.items)
    result.sort(key=lambda g: (-len(g.items), -g.items[0].said_at))
    return result
