"""Semantic search over the services catalogue: meaning plus spelling, in every variety.

Each service is described by its title and summary in the four locales, its keywords, and the NLU
training examples of the intents it answers (so Darija in Latin letters, which multilingual
encoders barely know, is covered by real citizen phrasings). A question is scored against every service
on three channels:

- *meaning*: sentence-embedding cosine against the catalogue's titles, summaries and keywords (across
  languages); a service scores the mean of its ``SEMANTIC_TOP_K`` best texts;
- *spelling*: character n-gram TF-IDF cosine against every description on normalised text (spelling
  variants, typos); mean of the service's ``LEXICAL_TOP_K`` best;
- *cross-script spelling*: the same on every text and the question spelt in Arabic script
  (``arabic_script_form``: "kayn chi da3m" → "كاين شي دعم"), so Darija written in Latin letters matches
  Darija written in Arabic script and the other way round, as the NLU's ``CrossScriptFeaturizer`` does;
  mean of the ``CROSS_SCRIPT_TOP_K`` best.

On both spelling channels a keyword's score is weighted ``KEYWORD_WEIGHT`` and an NLU example's
``EXAMPLE_WEIGHT`` before the k best are taken. The two spelling channels are mixed with
``CROSS_SCRIPT_WEIGHT``, then with meaning by ``SEMANTIC_WEIGHT``. Every weight and k was chosen on
the tuning set (``tests/data/retrieval_questions.yml``) and checked on a held-out set written apart from it
(``tests/data/retrieval_questions_heldout.yml``); `make bench-search` prints both (numbers in
docs/benchmarks.md). The index is built once per process and its embeddings are cached on disk under
``var/search-index/``, keyed by the texts and the encoder. Below ``threshold`` the search answers
"not sure".

The menu of areas is scored like a service (``route``): its texts are the examples of the catalogue's
menu intents (``topics.yml`` ``intents``: "which services are there?") that name no service; an example
that names one ("c'est quoi Jisr") describes that service instead. A question gets the menu when the
menu matches it at least as well as the best service, unless it names a service (``names``), which then
comes first.
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
from bot.services.catalogue import LOCALES, Catalogue
from bot.settings import ROOT
from bot.text.arabizi_transliteration import arabic_script_form
from bot.text.normalization import normalize_text

CACHE_DIR = ROOT / "var" / "search-index"
NLU_DIR = ROOT / "data" / "nlu"
#: Combined score below which the best match is not trusted. Measured with `make bench-search` (use
#: backend): at 0.28, 72% of the tuning questions get an answer (94% of them right; held-out set: 72%,
#: 94%) and 16.5% of off-topic messages would; 0.30 answers 64% and lets 9% of off-topic through.
#: Search runs only once the NLU has recognised a services question, which keeps off-topic out.
DEFAULT_THRESHOLD = 0.28
SEMANTIC_WEIGHT = 0.4
CROSS_SCRIPT_WEIGHT = 0.5
SEMANTIC_TOP_K = 3
LEXICAL_TOP_K = 2
CROSS_SCRIPT_TOP_K = 3
#: On the two spelling channels, a keyword match counts more and an NLU example less than a catalogue
#: text (examples are many and sometimes about a neighbouring service; keywords are chosen per service).
KEYWORD_WEIGHT = 1.2
EXAMPLE_WEIGHT = 0.8
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_ARABIC_START = re.compile(r"^[\u0600-\u06ff]")
#: Owner of the menu's texts: the examples of the menu intents that name no service.
MENU = "menu"


@dataclass(frozen=True)
class Hit:
    """A service and its similarity to the question."""

    service_id: str
    score: float


@dataclass(frozen=True)
class Route:
    """What a services question gets: the menu of areas (``menu``), or services, best first."""

    menu: bool
    hits: tuple[Hit, ...]
    menu_score: float
    named: tuple[str, ...]


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


def _name_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    """One regex over normalised text for a service's names, as whole words: an Arabic-script name may
    carry the clitics citizens glue to it ("بالكفالة", "فالسجل"), a Latin one Darija's article ("lkfala")."""
    parts = []
    for name in names:
        form = normalize_text(name)
        if _ARABIC_START.match(form):
            form = form.removeprefix("ال") if len(form) > 4 else form
            prefix = "(?:[وفبلك]?(?:ال|ل)?)"
        else:
            prefix = "(?:l)?"
        if form:
            parts.append(prefix + r"[\s\-_]*".join(re.escape(word) for word in form.split()))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None


class NameMatcher:
    """Which services a text names (``Service.names``). A name found only inside a longer name of another
    service does not count ("Gissr" inside "Gissr Attamkine wa Arryada")."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.patterns = [
            (service.id, pattern)
            for service in catalogue.services.values()
            if (pattern := _name_pattern(service.names))
        ]

    def __call__(self, text: str) -> list[str]:
        form = normalize_text(text)
        spans = {
            service_id: [match.span() for match in pattern.finditer(form)]
            for service_id, pattern in self.patterns
        }
        spans = {service_id: found for service_id, found in spans.items() if found}

        def inside_another(service_id: str, span: tuple[int, int]) -> bool:
            return any(
                start <= span[0] and span[1] <= end and end - start > span[1] - span[0]
                for other, found in spans.items()
                if other != service_id
                for start, end in found
            )

        return [sid for sid, found in spans.items() if not all(inside_another(sid, span) for span in found)]


def _menu_and_named_examples(
    catalogue: Catalogue, examples: dict[str, list[str]], names: NameMatcher
) -> tuple[list[str], dict[str, list[str]]]:
    """The examples of the menu intents (``topics.yml`` ``intents``): those that name a service describe
    that service ("c'est quoi Jisr" → the Jisr sheet); the others ask for the menu of areas."""
    menu, named = [], {}
    for intent in catalogue.menu_intents:
        for example in examples.get(intent, []):
            found = names(example)
            if found:
                for service_id in found:
                    named.setdefault(service_id, []).append(example)
            else:
                menu.append(example)
    return menu, named


def _catalogue_texts(catalogue: Catalogue, menu: list[str]) -> tuple[list[str], list[str]]:
    """Title + summary in every locale, and the keywords: what the sentence encoder compares against;
    and the menu's texts."""
    texts, owners = [], []
    for service in catalogue.services.values():
        for locale in LOCALES:
            texts.append(f"{service.field('title', locale)}. {service.field('summary', locale)}")
            owners.append(service.id)
        for keyword in service.keywords:
            texts.append(keyword)
            owners.append(service.id)
    texts.extend(menu)
    owners.extend(MENU for _ in menu)
    return texts, owners


def _documents(
    catalogue: Catalogue, examples: dict[str, list[str]], menu: list[str], named: dict[str, list[str]]
) -> tuple[list[str], list[str], list[float]]:
    """Everything the n-gram channels compare against, with its weight: the catalogue texts (titles and
    summaries weighted 1, keywords ``KEYWORD_WEIGHT``), the NLU examples of the intents a service
    answers and the menu-intent examples that name it (``EXAMPLE_WEIGHT``), and the menu's examples
    (``EXAMPLE_WEIGHT``)."""
    texts, owners, weights = [], [], []
    for service in catalogue.services.values():
        for locale in LOCALES:
            texts.append(f"{service.field('title', locale)}. {service.field('summary', locale)}")
            owners.append(service.id)
            weights.append(1.0)
        texts.extend(service.keywords)
        owners.extend(service.id for _ in service.keywords)
        weights.extend(KEYWORD_WEIGHT for _ in service.keywords)
        described = [example for intent in service.intents for example in examples.get(intent, [])]
        for example in dict.fromkeys(described + named.get(service.id, [])):
            texts.append(example)
            owners.append(service.id)
            weights.append(EXAMPLE_WEIGHT)
    texts.extend(menu)
    owners.extend(MENU for _ in menu)
    weights.extend(EXAMPLE_WEIGHT for _ in menu)
    return texts, owners, weights


def _normal_form(text: str) -> str:
    return normalize_text(text)


class _Aggregator:
    """Per-service mean of the k best scores, over texts grouped by owner."""

    def __init__(self, owners: list[str], service_ids: list[str]) -> None:
        owner_array = np.array(owners)
        self.groups = [np.flatnonzero(owner_array == sid) for sid in service_ids]

    def __call__(self, scores: np.ndarray, k: int) -> np.ndarray:
        out = np.zeros(len(self.groups))
        for i, group in enumerate(self.groups):
            values = scores[group]
            if len(values) > k:
                values = np.partition(values, len(values) - k)[-k:]
            out[i] = values.mean() if len(values) else 0.0
        return out


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
        self.names = NameMatcher(catalogue)
        examples = intent_examples() if examples is None else examples
        menu, named = _menu_and_named_examples(catalogue, examples, self.names)
        texts, owners, weights = _documents(catalogue, examples, menu, named)
        self.owners = np.array(owners)
        self._weights = np.array(weights)
        # An example of an intent that describes several services is vectorised once.
        unique = list(dict.fromkeys(texts))
        row_of = {text: i for i, text in enumerate(unique)}
        self._rows = np.array([row_of[text] for text in texts])
        self.service_ids = sorted(set(catalogue.services))
        #: Scored targets: every service, then the menu (last).
        self._targets = [*self.service_ids, MENU]
        self._lexical_top = _Aggregator(owners, self._targets)
        self.ngrams = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), preprocessor=_normal_form, sublinear_tf=True
        )
        self.ngram_vectors = self.ngrams.fit_transform(unique)
        self.cross_ngrams = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), preprocessor=arabic_script_form, sublinear_tf=True
        )
        self.cross_vectors = self.cross_ngrams.fit_transform(unique)
        semantic_texts, semantic_owners = _catalogue_texts(catalogue, menu)
        self.semantic_owners = np.array(semantic_owners)
        self._semantic_top = _Aggregator(semantic_owners, self._targets)
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

    def _channels(self, question: str) -> dict[str, np.ndarray]:
        """Per-target scores of each channel: every service, then the menu."""
        lexical = (self.ngram_vectors @ self.ngrams.transform([question]).T).toarray().ravel()
        cross = (self.cross_vectors @ self.cross_ngrams.transform([question]).T).toarray().ravel()
        lexical, cross = lexical[self._rows] * self._weights, cross[self._rows] * self._weights
        channels = {
            "lexical": self._lexical_top(lexical, LEXICAL_TOP_K),
            "cross_script": self._lexical_top(cross, CROSS_SCRIPT_TOP_K),
        }
        if self.vectors is not None:
            semantic = self.vectors @ self.encoder.encode([question])[0]
            channels["semantic"] = self._semantic_top(semantic, SEMANTIC_TOP_K)
        return channels

    def _scores(self, question: str) -> np.ndarray:
        """Combined score of every service, then of the menu."""
        channels = self._channels(question)
        scores = (1 - CROSS_SCRIPT_WEIGHT) * channels["lexical"] + CROSS_SCRIPT_WEIGHT * channels[
            "cross_script"
        ]
        if "semantic" in channels:
            scores = SEMANTIC_WEIGHT * channels["semantic"] + (1 - SEMANTIC_WEIGHT) * scores
        return scores

    def channel_scores(self, question: str) -> dict[str, np.ndarray]:
        """Per-service scores of each channel (``lexical``, ``cross_script``, ``semantic`` if an encoder)."""
        return {name: scores[: len(self.service_ids)] for name, scores in self._channels(question).items()}

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        """Services ranked by combined score, best first."""
        scores = self._scores(question)[: len(self.service_ids)]
        order = np.argsort(-scores, kind="stable")[:limit]
        return [Hit(self.service_ids[i], float(scores[i])) for i in order]

    def confident(self, question: str, threshold: float = DEFAULT_THRESHOLD, limit: int = 3) -> list[Hit]:
        """The hits above ``threshold`` (empty: not sure)."""
        return [hit for hit in self.search(question, limit) if hit.score >= threshold]

    def route(self, question: str, threshold: float = DEFAULT_THRESHOLD, limit: int = 3) -> Route:
        """Menu or services for a services question. A question that names a service (``names``) gets
        it first, whatever its score; otherwise the menu when the menu's examples match the question at
        least as well as the best service does ("which services are there?"), or when no service
        reaches ``threshold``; otherwise the services above ``threshold``."""
        all_scores = self._scores(question)
        scores, menu_score = all_scores[: len(self.service_ids)], float(all_scores[-1])
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        named = tuple(self.names(question))
        if named:
            first = max(named, key=lambda sid: scores[self.service_ids.index(sid)])
            ranked = [self.service_ids.index(first)] + [i for i in order if self.service_ids[i] != first]
            hits = [ranked[0], *(i for i in ranked[1:] if scores[i] >= threshold)][:limit]
            return Route(
                False, tuple(Hit(self.service_ids[i], float(scores[i])) for i in hits), menu_score, named
            )
        hits = tuple(
            Hit(self.service_ids[i], float(scores[i])) for i in order[:limit] if scores[i] >= threshold
        )
        if not hits or menu_score >= hits[0].score:
            return Route(True, (), menu_score, named)
        return Route(False, hits, menu_score, named)


def build_index(catalogue: Catalogue, backend: str = "use", model: str | None = None) -> ServiceIndex:
    """Index with a configured encoder (``use`` by default, or a sentence-transformers model)."""
    return ServiceIndex(catalogue, load_encoder(backend, model))
