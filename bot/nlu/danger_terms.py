"""Keyword safety net: recognises danger phrases without the statistical classifier.

Phrases and harmless exceptions live in ``data/safety/danger_terms.yml`` (content-team owned).
Matching works on normalised text, word-aligned, and tolerates one small typo in longer words,
so "ghadi y9telni", "ghadi yqtlni" and "غادي يقتلني" all match, while exceptions such as
"je meurs de faim" are removed from the text before matching.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import yaml
from rapidfuzz.distance import Levenshtein

from bot.text.normalization import normalize_text

DEFAULT_TERMS_FILE = Path("data/safety/danger_terms.yml")
_MIN_FUZZY_WORD = 5
#: Stripped from both ends of a word, Arabic comma, semicolon and question mark included ("بي،").
_PUNCTUATION = "!?.,;:«»\"'()،؛؟…"


class DangerTermsError(ValueError):
    """The terms file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class DangerTerms:
    """Normalised danger phrases and exceptions, each a tuple of words."""

    phrases: tuple[tuple[str, ...], ...]
    exceptions: tuple[tuple[str, ...], ...]
    violence: tuple[tuple[str, ...], ...] = ()
    #: Calls for help that signal danger only when they are the whole message ("aidez-moi !"):
    #: inside a sentence they usually ask for help with a procedure ("aidez-moi à remplir…").
    alone: tuple[tuple[str, ...], ...] = ()
    #: Courtesy words ignored around an ``alone`` call ("à l'aide s'il vous plaît", "3awnouni 3afak").
    courtesy: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping, source: str = "<memory>") -> DangerTerms:
        """Builds from the YAML structure ``{phrases: {variety: [..]}, exceptions: {...}}``."""
        if not isinstance(data, Mapping):
            raise DangerTermsError(f"{source}: expected a mapping with 'phrases' and 'exceptions'")
        return cls(
            phrases=_phrase_tuples(data.get("phrases"), source, "phrases"),
            exceptions=_phrase_tuples(data.get("exceptions") or {}, source, "exceptions"),
            violence=_optional_tuples(data, "violence_phrases", source),
            alone=_optional_tuples(data, "alone_phrases", source),
            courtesy=_optional_tuples(data, "courtesy_words", source),
        )

    @classmethod
    def load(cls, path: Path = DEFAULT_TERMS_FILE) -> DangerTerms:
        """Reads and validates the terms file."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise DangerTermsError(f"{path}: cannot read danger terms: {error}") from error
        return cls.from_mapping(data, str(path))

    def as_dict(self) -> dict:
        """Serialisable form, persisted inside the trained model."""
        return {
            "phrases": [list(p) for p in self.phrases],
            "exceptions": [list(p) for p in self.exceptions],
            "violence": [list(p) for p in self.violence],
            "alone": [list(p) for p in self.alone],
            "courtesy": [list(p) for p in self.courtesy],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> DangerTerms:
        """Inverse of :meth:`as_dict`."""
        return cls(
            tuple(tuple(p) for p in data["phrases"]),
            tuple(tuple(p) for p in data["exceptions"]),
            tuple(tuple(p) for p in data.get("violence", ())),
            tuple(tuple(p) for p in data.get("alone", ())),
            tuple(tuple(p) for p in data.get("courtesy", ())),
        )

    def scan(self, text: str) -> tuple[str | None, str | None]:
        """The danger phrase and the violence phrase found in ``text`` (normalised once, exceptions removed)."""
        words = _remove_exceptions(normalize_text(text).split(), self.exceptions)
        danger = _first_match(words, self.phrases) or self._alone_call(words)
        return danger, _first_match(words, self.violence)

    def _alone_call(self, words: list[str]) -> str | None:
        """The call for help that makes up the whole message, courtesy words aside."""
        if not self.alone:
            return None
        remaining = _remove_exceptions(words, self.courtesy)
        remaining = [w for w in (w.strip(_PUNCTUATION) for w in remaining) if w and w != "·"]
        for phrase in self.alone:
            if len(remaining) == len(phrase) and _contains(remaining, phrase):
                return " ".join(phrase)
        return None

    def find(self, text: str) -> str | None:
        """Returns the danger phrase found in ``text`` (after removing exceptions), else ``None``."""
        return self.scan(text)[0]

    def find_violence(self, text: str) -> str | None:
        """Returns the violence phrase found in ``text`` (after removing exceptions), else ``None``."""
        return self.scan(text)[1]


def _first_match(words: list[str], phrases: Iterable[tuple[str, ...]]) -> str | None:
    for phrase in phrases:
        if _contains(words, phrase):
            return " ".join(phrase)
    return None


def _optional_tuples(data: Mapping, name: str, source: str) -> tuple[tuple[str, ...], ...]:
    return _phrase_tuples(data[name], source, name) if data.get(name) else ()


def _phrase_tuples(section, source: str, name: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(section, Mapping) or not section:
        raise DangerTermsError(f"{source}: '{name}' must map each variety to a list of phrases")
    phrases: list[tuple[str, ...]] = []
    for variety, items in section.items():
        if not isinstance(items, list):
            raise DangerTermsError(f"{source}: '{name}.{variety}' must be a list")
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise DangerTermsError(f"{source}: '{name}.{variety}' has an empty or non-text entry")
            words = tuple(_clean_words(item))
            if words and words not in phrases:
                phrases.append(words)
    return tuple(phrases)


def _clean_words(text: str) -> list[str]:
    return [w.strip(_PUNCTUATION) for w in normalize_text(text).split() if w.strip(_PUNCTUATION)]


def _word_matches(word: str, expected: str) -> bool:
    word = word.strip(_PUNCTUATION)
    if word == expected or (word.startswith("و") and word[1:] == expected):  # "وعندو" = "and he has"
        return True
    if len(expected) >= _MIN_FUZZY_WORD and abs(len(word) - len(expected)) <= 1:
        return Levenshtein.distance(word, expected, score_cutoff=1) <= 1
    return False


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    for start in range(len(words) - size + 1):
        if all(_word_matches(words[start + i], phrase[i]) for i in range(size)):
            return True
    return False


def _remove_exceptions(words: list[str], exceptions: Iterable[tuple[str, ...]]) -> list[str]:
    for exception in exceptions:
        size = len(exception)
        start = 0
        while start <= len(words) - size:
            if all(words[start + i].strip(_PUNCTUATION) == exception[i] for i in range(size)):
                words = [*words[:start], "·", *words[start + size :]]
            start += 1
    return words
