"""Duplicate or conflicting training examples across intents.

The same sentence under two intents teaches the classifier two answers for one question; a
near-same sentence (a spelling variant, a paraphrase, a translation) usually means two intents
overlap. Exact matches are found on the normalised text; near matches with the sentence
embeddings of the NLU pipeline (multilingual, so translations count) and with spelling
similarity (typos that embeddings miss). Settings live in ``data/validation/duplicates.yml``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import yaml

from bot.i18n.check import Problem
from bot.nlu.training_examples import Example, project_examples
from bot.text.normalization import normal_form

SETTINGS = Path("data/validation/duplicates.yml")
CACHE = Path("var/cache")

Encoder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class DuplicateSettings:
    """Thresholds and exceptions (see the settings file for their meaning)."""

    embedding_threshold: float = 0.9
    spelling_threshold: float = 92.0
    negations: frozenset[str] = frozenset()
    allowed_pairs: frozenset[frozenset[str]] = field(default_factory=frozenset)

    @classmethod
    def load(cls, path: Path) -> DuplicateSettings:
        """Reads the YAML settings; defaults when the file does not exist."""
        if not path.exists():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(
            embedding_threshold=float(data.get("embedding_threshold", cls.embedding_threshold)),
            spelling_threshold=float(data.get("spelling_threshold", cls.spelling_threshold)),
            negations=frozenset(normal_form(w) for w in data.get("negations") or []),
            allowed_pairs=frozenset(frozenset(pair) for pair in data.get("allowed_pairs") or []),
        )


def differ_by_negation(a: str, b: str, negations: frozenset[str]) -> bool:
    """True when one text has a negation word the other lacks ("merci" / "la merci")."""
    words_a, words_b = set(a.split()), set(b.split())
    return bool((words_a ^ words_b) & negations)


def exact_duplicates(examples: list[Example]) -> list[Problem]:
    """Errors: one normalised text under several intents; warnings: written twice in one intent.

    Inside one intent only identical writing counts: spelling variants such as elongations
    ("3t9ouuuni") are deliberate training data.
    """
    groups: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        groups[normal_form(example.text)].append(example)
    problems = []
    for group in groups.values():
        intents = sorted({e.intent for e in group})
        first = group[0]
        if len(intents) > 1:
            where = ", ".join(f"'{e.intent}' ({e.file}:{e.line})" for e in group)
            problems.append(
                Problem(first.file, first.line, "error",
                        f"the example {first.text!r} is under several intents: {where}: "
                        "keep it under the one intent it means and delete or reword the others")
            )  # fmt: skip
        else:
            written: dict[str, Example] = {}
            for repeat in group:
                first = written.setdefault(repeat.text.strip(), repeat)
                if first is repeat:
                    continue
                problems.append(
                    Problem(repeat.file, repeat.line, "warning",
                            f"the example {repeat.text!r} of '{repeat.intent}' repeats line {first.line} "
                            f"of {first.file}: delete one of them")
                )  # fmt: skip
    return problems


def cached_encode(texts: list[str], encoder: Encoder, name: str, cache_dir: Path | None) -> np.ndarray:
    """Unit vectors of ``texts``; vectors of texts already seen are read from ``cache_dir``."""
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    cached: dict[str, np.ndarray] = {}
    path = cache_dir / f"embeddings-{name}.npz" if cache_dir else None
    if path and path.exists():
        try:
            with np.load(path) as stored:
                cached = {k: stored[k] for k in stored.files}
        except (OSError, ValueError):  # a broken cache is rebuilt, never fatal
            cached = {}
    missing = sorted({(k, t) for k, t in zip(keys, texts, strict=True) if k not in cached})
    if missing:
        vectors = encoder([t for _, t in missing])
        cached.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            used = set(keys)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, **{k: v for k, v in cached.items() if k in used})
            tmp.replace(path)
    return np.stack([cached[k] for k in keys]) if keys else np.zeros((0, 1), dtype=np.float32)


@dataclass(frozen=True)
class NearPair:
    """Two examples of different intents that look alike."""

    first: Example
    second: Example
    similarity: float
    how: str  # "meaning" (embeddings) or "spelling"


def near_pairs(examples: list[Example], vectors: np.ndarray, settings: DuplicateSettings) -> list[NearPair]:
    """Cross-intent pairs above either threshold, minus negation minimal pairs and allowed pairs."""
    from rapidfuzz import fuzz, process

    normal = [normal_form(e.text) for e in examples]
    intents = np.array([e.intent for e in examples])
    found: dict[tuple[int, int], NearPair] = {}

    def keep(i: int, j: int) -> bool:
        a, b = examples[i], examples[j]
        return (
            a.intent != b.intent
            and normal[i] != normal[j]  # exact duplicates are reported as errors already
            and not differ_by_negation(normal[i], normal[j], settings.negations)
            and frozenset((a.text, b.text)) not in settings.allowed_pairs
        )

    if len(examples) > 1:
        similarity = vectors @ vectors.T
        rows, cols = np.nonzero(np.triu(similarity >= settings.embedding_threshold, k=1))
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if intents[i] != intents[j] and keep(i, j):
                found[(i, j)] = NearPair(examples[i], examples[j], float(similarity[i, j]), "meaning")
        if settings.spelling_threshold > 100:  # spelling comparison switched off
            return sorted(found.values(), key=lambda p: -p.similarity)
        scores = process.cdist(normal, normal, scorer=fuzz.ratio, score_cutoff=settings.spelling_threshold,
                               dtype=np.uint8, workers=1)  # fmt: skip
        rows, cols = np.nonzero(np.triu(scores, k=1))
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if (i, j) not in found and intents[i] != intents[j] and keep(i, j):
                found[(i, j)] = NearPair(examples[i], examples[j], float(scores[i, j]) / 100, "spelling")
    return sorted(found.values(), key=lambda p: -p.similarity)


def near_duplicate_problems(pairs: list[NearPair]) -> list[Problem]:
    """One warning per pair, at the first example's line, naming the other's place."""
    problems = []
    for pair in pairs:
        a, b = pair.first, pair.second
        measure = "meaning similarity" if pair.how == "meaning" else "spelling similarity"
        problems.append(
            Problem(a.file, a.line, "warning",
                    f"the example {a.text!r} of '{a.intent}' is nearly the same as {b.text!r} of "
                    f"'{b.intent}' ({b.file}:{b.line}, {measure} {pair.similarity:.2f}): if both mean the "
                    "same, keep one intent; if not, make them clearly different "
                    "(or list the pair under allowed_pairs in data/validation/duplicates.yml)")
        )  # fmt: skip
    return problems


def use_encoder(texts: Sequence[str]) -> np.ndarray:
    """The NLU pipeline's sentence encoder (USE multilingual v3)."""
    from bot.embeddings.encoders import load_encoder

    return load_encoder("use").encode(texts)


def check_duplicates(
    root: Path, encoder: Encoder | None = None, cache_dir: Path | None = None
) -> list[Problem]:
    """All duplicate problems of the NLU data under ``root``."""
    settings = DuplicateSettings.load(root / SETTINGS)
    examples = project_examples(root)
    problems = exact_duplicates(examples)
    vectors = cached_encode([e.text for e in examples], encoder or use_encoder, "use", cache_dir)
    return problems + near_duplicate_problems(near_pairs(examples, vectors, settings))
