"""Gazetteer of Moroccan cities: every spelling citizens use, mapped to one canonical city.

"Tanja", "Tanger", "طنجة", "فطنجة" and "tanjer" all resolve to ``tangier``: spellings are
normalised like NLU text, Darija/Arabic/French prepositions glued or put in front are stripped,
and remaining typos are matched fuzzily (rapidfuzz) above a conservative score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import yaml
from rapidfuzz import fuzz, process

from bot.settings import ROOT
from bot.text.normalization import normalize_text

DEFAULT_GAZETTEER = ROOT / "data" / "gazetteer" / "cities.yml"
FUZZY_MIN_SCORE = 86
FUZZY_MIN_LENGTH = 4
MAX_NAME_WORDS = 3
# Glued Arabic-script proclitics (ف، ل، ب، و) and leading prepositions in all varieties.
_GLUED_PREFIX = re.compile(r"^(?:و)?(?:فال|بال|لل|ف|ل|ب)(?=\S{2,})")
_LEADING_WORDS = {
    "في",
    "ف",
    "f",
    "fi",
    "a",
    "à",
    "de",
    "du",
    "l",
    "mn",
    "من",
    "ب",
    "b",
    "au",
    "en",
    "madinat",
    "مدينه",
    "ville",
}


class GazetteerError(ValueError):
    """The gazetteer file is malformed; the message names file and entry."""


@dataclass(frozen=True)
class City:
    """One city with its display names, region and approximate centre."""

    id: str
    names: Mapping[str, str]
    spellings: tuple[str, ...]
    region: str
    lat: float
    lon: float
    source: str
    uncertain: bool = False

    def name(self, locale: str) -> str:
        """Display name for a reply locale (Arabic for ary/ar, French otherwise)."""
        key = {"ary": "ar", "ar": "ar", "ary_Latn": "ary_latn", "fr": "fr"}.get(locale, "fr")
        return self.names.get(key) or self.names.get("fr") or self.id


@dataclass
class Gazetteer:
    """Cities indexed by every normalised spelling."""

    cities: dict[str, City]
    regions: dict[str, Mapping[str, str]] = field(default_factory=dict)
    ambiguous: frozenset[str] = frozenset()
    _index: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for city in self.cities.values():
            for spelling in (*city.spellings, *city.names.values(), city.id):
                key = normalize_text(spelling)
                if key:
                    self._index.setdefault(key, city.id)

    @classmethod
    def from_mapping(cls, data: Mapping, source: str = "<memory>") -> Gazetteer:
        """Builds from the YAML structure of ``data/gazetteer/cities.yml``."""
        if not isinstance(data, Mapping) or not isinstance(data.get("cities"), list):
            raise GazetteerError(f"{source}: expected a mapping with a 'cities' list")
        cities: dict[str, City] = {}
        for number, row in enumerate(data["cities"], start=1):
            try:
                city = City(
                    id=str(row["id"]),
                    names=dict(row["names"]),
                    spellings=tuple(str(s) for s in row.get("spellings") or ()),
                    region=str(row.get("region", "")),
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    source=str(row.get("source", "")),
                    uncertain=bool(row.get("uncertain", False)),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise GazetteerError(
                    f"{source}: city #{number} is incomplete or malformed: {error}"
                ) from error
            if city.id in cities:
                raise GazetteerError(f"{source}: duplicate city id '{city.id}'")
            cities[city.id] = city
        ambiguous = frozenset(normalize_text(str(s)) for s in data.get("ambiguous_spellings") or ())
        return cls(cities=cities, regions=dict(data.get("regions") or {}), ambiguous=ambiguous)

    @classmethod
    def load(cls, path: Path = DEFAULT_GAZETTEER) -> Gazetteer:
        """Reads the gazetteer file."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise GazetteerError(f"{path}: cannot read gazetteer: {error}") from error
        return cls.from_mapping(data, str(path))

    def as_dict(self) -> dict:
        """Serialisable form, persisted inside the trained model."""
        return {
            "ambiguous_spellings": sorted(self.ambiguous),
            "regions": dict(self.regions),
            "cities": [
                {**city.__dict__, "names": dict(city.names), "spellings": list(city.spellings)}
                for city in self.cities.values()
            ],
        }

    def _candidates(self, text: str) -> Iterable[str]:
        words = normalize_text(text).strip(" ?!.,;:؟،").split()
        while words and words[0] in _LEADING_WORDS:
            words = words[1:]
        if not words:
            return
        joined = " ".join(words)
        yield joined
        stripped = _GLUED_PREFIX.sub("", joined)
        if stripped != joined:
            yield stripped
            if not stripped.startswith("ال"):
                yield "ال" + stripped

    def resolve(self, text: str) -> City | None:
        """The city a name refers to, or ``None`` when nothing is close enough."""
        candidates = list(self._candidates(text))
        for candidate in candidates:
            if candidate in self._index:
                return self.cities[self._index[candidate]]
        for candidate in candidates:
            if len(candidate) < FUZZY_MIN_LENGTH:
                continue
            match = process.extractOne(
                candidate, self._index.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE
            )
            if match:
                return self.cities[self._index[match[0]]]
        return None

    def suggest(self, text: str, limit: int = 3) -> list[City]:
        """The closest cities to an unknown name (for "did you mean …?")."""
        key = next(iter(self._candidates(text)), "")
        matches = process.extract(key, self._index.keys(), scorer=fuzz.WRatio, limit=limit * 4)
        seen: list[City] = []
        for spelling, _, _ in matches:
            city = self.cities[self._index[spelling]]
            if city not in seen:
                seen.append(city)
        return seen[:limit]

    def find_mentions(self, text: str) -> list[tuple[City, int, int]]:
        """Exact mentions of a city (any spelling, glued prepositions allowed) with character spans."""
        tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[^\s?!.,;:؟،()«»\"']+", text)]
        found: list[tuple[City, int, int]] = []
        used_until = -1
        for i in range(len(tokens)):
            if tokens[i][1] < used_until or normalize_text(tokens[i][0]) in _LEADING_WORDS:
                continue
            after_preposition = i > 0 and normalize_text(tokens[i - 1][0]) in _LEADING_WORDS
            for size in range(min(MAX_NAME_WORDS, len(tokens) - i), 0, -1):
                span = tokens[i : i + size]
                phrase = " ".join(t[0] for t in span)
                for position, candidate in enumerate(self._candidates(phrase)):
                    glued_preposition = position > 0
                    if candidate in self.ambiguous and not (after_preposition or glued_preposition):
                        continue
                    if candidate in self._index and len(candidate) >= 3:
                        found.append((self.cities[self._index[candidate]], span[0][1], span[-1][2]))
                        used_until = span[-1][2]
                        break
                else:
                    continue
                break
        return found


@lru_cache(maxsize=2)
def default_gazetteer(path: Path = DEFAULT_GAZETTEER) -> Gazetteer:
    """The project's gazetteer, loaded once per process."""
    return Gazetteer.load(path)
