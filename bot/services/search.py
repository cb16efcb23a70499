"""Semantic search over the services catalogue: meaning plus spelling, in every variety.

Each service is described by its title and summary in the four locales, its keywords, and the
NLU training examples of the intents it answers (so Darija in Latin letters, which multilingual
encoders barely know, is covered by real citizen phrasings). A question is scored against every
service on two channels — sentence-embedding cosine against the catalogue's own texts (meaning,
across languages) and character n-gram TF-IDF cosine against every description on normalised
text (spelling variants, Arabizi; mean of the service's 3 best) — combined with the weight
``SEMANTIC_WEIGHT``. Weights were chosen with `make bench-search` (numbers in the README). The index is built once and its embeddings cached on disk under ``var/``,
keyed by the descriptions and the encoder. Below ``threshold`` the search answers "not sure".
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.embeddings.encoders import SentenceEncoder, load_encoder
from bot.nlu.text_normalization import normalize_text
from bot.services.catalogue import LOCALES, Catalogue

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / "var" / "search-index"
NLU_DIR = ROOT / "data" / "nlu"
#: Combined score below which the best match is not trusted. Measured with `make bench-search`: at 0.28,
#: 71% of catalogue questions get an answer (79% of them right) and 18% of off-topic messages would;
#: search runs only once the NLU has recognised a services question, which keeps off-topic out.
DEFAULT_THRESHOLD = 0.28
SEMANTIC_WEIGHT = 0.3
LEXICAL_TOP_K = 3
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Hit:
    """A service and its similarity to the question."""

    service_id: str
    score: float


def intent_examples(nlu_dir: Path = NLU_DIR) -> dict[str, list[str]]:
    """Plain-text training examples per intent (entity markup removed)."""
    examples: dict[str, list[str]] = {}
    for path in sorted(nlu_dir.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            if "intent" in block and isinstance(block.get("examples"), str):
                lines = [
                    line[2:].strip()
                    for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                ]
                examples.setdefault(block["intent"], []).extend(
                    _ANNOTATION.sub(r"\1", line) for line in lines
                )
    return examples


def _catalogue_texts(catalogue: Catalogue) -> tuple[list[str], list[str]]:
    texts, owners = [], []
    for service in catalogue.services.values():
        for locale in LOCALES:
            texts.append(f"{service.field('title', locale)}. {service.field('summary', locale)}")
            owners.append(service.id)
        for keyword in service.keywords:
            texts.append(keyword)
            owners.append(service.id)
    return texts, owners


def _documents(catalogue: Catalogue, examples: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    texts, owners = _catalogue_texts(catalogue)
    for service in catalogue.services.values():
        for intent in service.intents:
            for example in examples.get(intent, []):
                texts.append(example)
                owners.append(service.id)
    return texts, owners


def _normal_form(text: str) -> str:
    return normalize_text(text)


class ServiceIndex:
    """Embeddings and n-gram vectors of the catalogue's descriptions, with their service ids."""

    def __init__(
        self,
        catalogue: Catalogue,
        encoder: SentenceEncoder | None,
        cache_dir: Path | None = CACHE_DIR,
        examples: dict[str, list[str]] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.encoder = encoder
        texts, owners = _documents(catalogue, intent_examples() if examples is None else examples)
        self.owners = np.array(owners)
        self.service_ids = sorted(set(owners))
        self._masks = {sid: self.owners == sid for sid in self.service_ids}
        self.ngrams = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), preprocessor=_normal_form, sublinear_tf=True
        )
        self.ngram_vectors = self.ngrams.fit_transform(texts)
        semantic_texts, semantic_owners = _catalogue_texts(catalogue)
        self.semantic_owners = np.array(semantic_owners)
        self.vectors = self._embed(semantic_texts, cache_dir) if encoder else None

    def _embed(self, texts: list[str], cache_dir: Path | None) -> np.ndarray:
        key = hashlib.sha256(json.dumps([self.encoder.name, texts], ensure_ascii=False).encode()).hexdigest()[
            :16
        ]
        cached = cache_dir / f"{key}.npy" if cache_dir else None
        if cached and cached.exists():
            return np.load(cached)
        vectors = self.encoder.encode(texts)
        if cached:
            cached.parent.mkdir(parents=True, exist_ok=True)
            np.save(cached, vectors)
        return vectors

    def _channel_scores(self, question: str) -> tuple[np.ndarray, np.ndarray | None]:
        lexical = (self.ngram_vectors @ self.ngrams.transform([question]).T).toarray().ravel()
        semantic = self.vectors @ self.encoder.encode([question])[0] if self.vectors is not None else None
        return lexical, semantic

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        """Services ranked by combined score, best first."""
        lexical, semantic = self._channel_scores(question)
        scores = []
        for sid in self.service_ids:
            best = np.sort(lexical[self._masks[sid]])[::-1][:LEXICAL_TOP_K]
            score = float(best.mean())
            if semantic is not None:
                meaning = float(semantic[self.semantic_owners == sid].max())
                score = SEMANTIC_WEIGHT * meaning + (1 - SEMANTIC_WEIGHT) * score
            scores.append((sid, score))
        scores.sort(key=lambda item: item[1], reverse=True)
        return [Hit(sid, score) for sid, score in scores[:limit]]

    def confident(self, question: str, threshold: float = DEFAULT_THRESHOLD, limit: int = 3) -> list[Hit]:
        """The hits above ``threshold`` (empty: not sure)."""
        return [hit for hit in self.search(question, limit) if hit.score >= threshold]


def build_index(catalogue: Catalogue, backend: str = "use", model: str | None = None) -> ServiceIndex:
    """Index with a configured encoder (``use`` by default, or a sentence-transformers model)."""
    return ServiceIndex(catalogue, load_encoder(backend, model))
