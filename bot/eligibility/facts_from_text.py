"""Reads the facts a citizen already wrote ("ma mère a 77 ans, vit seule, sans pension") so that the
eligibility check does not ask them again.

Pure functions on text and the patterns of ``data/eligibility/facts/patterns.yml`` (content, not code):
ages, yes/no facts (family support, resources, disability, RSU registration) with their negation,
children counts by group, who the message is about, and the city (gazetteer). A fact is returned only
when a phrase of the patterns says it; contradictory readings cancel each other, so nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from bot.geo.gazetteer import Gazetteer, default_gazetteer
from bot.settings import ROOT
from bot.text.normalization import MAX_MESSAGE_CHARS, clean_message, fold_arabizi, normalize_text
from bot.text.numbers import parse_number

DEFAULT_PATTERNS = ROOT / "data" / "eligibility" / "facts" / "patterns.yml"
_TOKEN = re.compile(r"[\w*]+|[,.;:!?؟،]")
_PUNCTUATION = frozenset(",.;:!?؟،")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# Glued Arabic proclitics, longest first: a word may carry one of them in front ("وساكنة", "فالسجل").
_PREFIXES = ("وال", "فال", "بال", "لل", "ال", "و", "ف", "ب", "ل")
_JOINERS = frozenset({"و", "w", "et", "u"})
YES, NO = "yes", "no"
KIN = "\u2063"  # stands for a kin word once the relation is read

Phrase = tuple[str, ...]


class FactPatternsError(ValueError):
    """The patterns file is malformed."""


@dataclass(frozen=True)
class FactPatterns:
    """The normalised phrases of ``patterns.yml``."""

    negation_window: int
    negation_cues: frozenset[str]
    negation_words: tuple[re.Pattern, ...]
    clause_breaks: tuple[Phrase, ...]
    ignore: tuple[Phrase, ...]
    relations: Mapping[str, tuple[Phrase, ...]]
    child_relations: frozenset[str]
    age_units: tuple[Phrase, ...]
    age_markers: tuple[Phrase, ...]
    age_not_after: tuple[Phrase, ...]
    number_words: Mapping[str, int]
    flags: Mapping[str, Mapping[str, tuple[Phrase, ...]]]
    children: Mapping[str, Any]


def _word(word: str) -> str:
    star = word.endswith("*")
    normal = normalize_text(word.rstrip("*"))
    return normal + ("*" if star else "")


def _phrases(items: Iterable[Any]) -> tuple[Phrase, ...]:
    phrases = []
    for item in items or ():
        words = [_word(w) for w in re.findall(r"[^\s'’\-]+", str(item))]
        words = [t for w in words for t in re.findall(r"[\w*]+", w)]
        if words:
            phrases.append(tuple(words))
    return tuple(sorted(phrases, key=len, reverse=True))  # longest first


def patterns_from_mapping(data: Mapping[str, Any]) -> FactPatterns:
    """Normalises every phrase once (raises ``FactPatternsError`` on a malformed file)."""
    try:
        age = data["age"]
        children = dict(data["children"])
        children_phrases = {
            key: _phrases(children.get(key, ()))
            for key in ("nouns", "fillers", "infant_nouns", "orphan_nouns", "under_cues", "school_cues")
        }
        children_phrases["counted_nouns"] = {
            normalize_text(str(k)): int(v) for k, v in (children.get("counted_nouns") or {}).items()
        }
        children_phrases["infant_bound"] = int(children.get("infant_bound", 5))
        children_phrases["window"] = int(children.get("window", 6))
        flags = {
            slot: {kind: _phrases(items) for kind, items in spec.items()}
            for slot, spec in (data.get("flags") or {}).items()
        }
        return FactPatterns(
            negation_window=int(data.get("negation_window", 4)),
            negation_cues=frozenset(normalize_text(str(c)) for c in data.get("negation_cues") or ()),
            negation_words=tuple(re.compile(p) for p in data.get("negation_word_patterns") or ()),
            clause_breaks=_phrases(data.get("clause_breaks")),
            ignore=_phrases(data.get("ignore")),
            relations={name: _phrases(items) for name, items in (data.get("relations") or {}).items()},
            child_relations=frozenset(data.get("child_relations") or ()),
            age_units=_phrases(age.get("units")),
            age_markers=_phrases(age.get("markers")),
            age_not_after=_phrases(age.get("not_after")),
            number_words={
                normalize_text(str(k)): int(v) for k, v in (data.get("number_words") or {}).items()
            },
            flags=flags,
            children=children_phrases,
        )
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as error:
        raise FactPatternsError(f"fact patterns: {error!r}") from error


def load_patterns(path: Path = DEFAULT_PATTERNS) -> FactPatterns:
    """Reads a patterns file; a missing or malformed one raises ``FactPatternsError`` naming it."""
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        if not isinstance(data, Mapping):
            raise FactPatternsError("fact patterns: the file must be a mapping")
        return patterns_from_mapping(data)
    except (OSError, yaml.YAMLError, FactPatternsError) as error:
        raise FactPatternsError(f"{path}: {error}") from error


@lru_cache(maxsize=2)
def default_patterns(path: Path = DEFAULT_PATTERNS) -> FactPatterns:
    """The project's patterns, loaded once per process."""
    return load_patterns(path)


def tokens_of(text: str) -> list[str]:
    """Normalised words and punctuation; apostrophes and hyphens cut words ("n'a" → "n", "a").

    Arabizi spellings are folded only when phrases are compared (``_variants``): number words keep the
    spelling the shared number reader knows ("quatre", not "9uatre").
    """
    normal = normalize_text(clean_message(text, MAX_MESSAGE_CHARS), arabizi_folding=False)
    return _TOKEN.findall(normal.replace("*", " "))


@lru_cache(maxsize=65536)
def _unglued(token: str) -> tuple[str, ...]:
    """The word, and the word without a glued Arabic proclitic."""
    if not _ARABIC.search(token):
        return (token,)
    found = [token]
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            found.append(token[len(prefix) :])
    return tuple(found)


@lru_cache(maxsize=65536)
def _variants(token: str) -> tuple[str, ...]:
    """Forms a phrase word may match: Arabizi folded, Arabic proclitics removed."""
    return _unglued(token) if _ARABIC.search(token) else (fold_arabizi(token),)


@lru_cache(maxsize=65536)
def _word_matches(token: str, word: str) -> bool:
    if word.endswith("*"):
        stem = word[:-1]
        return any(v.startswith(stem) for v in _variants(token))
    return word in _variants(token)


def match_at(tokens: list[str], i: int, phrase: Phrase) -> bool:
    """Whether ``phrase`` starts at token ``i``."""
    if i + len(phrase) > len(tokens):
        return False
    return all(_word_matches(tokens[i + k], word) for k, word in enumerate(phrase))


@lru_cache(maxsize=16)
def _positions(tokens: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """Where each form of each word is, so a phrase is tried only where its first word is."""
    index: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        for variant in _variants(token):
            index.setdefault(variant, []).append(i)
    return {variant: tuple(found) for variant, found in index.items()}


def find_phrases(tokens: list[str], phrases: Iterable[Phrase], used: set[int]) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the phrases, longest first, never over an already used token."""
    spans = []
    index = _positions(tuple(tokens))
    for phrase in phrases:
        starts = range(len(tokens)) if phrase[0].endswith("*") else index.get(phrase[0], ())
        for i in starts:
            span = range(i, i + len(phrase))
            if any(k in used for k in span) or not match_at(tokens, i, phrase):
                continue
            spans.append((i, i + len(phrase)))
            used.update(span)
    return sorted(spans)


def _any_at(tokens: list[str], i: int, phrases: Iterable[Phrase]) -> int:
    """Length of the first phrase that starts at ``i`` (0 when none does)."""
    return next((len(p) for p in phrases if match_at(tokens, i, p)), 0)


def _ends_at(tokens: list[str], end: int, phrases: Iterable[Phrase]) -> bool:
    """Whether one of the phrases ends just before token ``end``."""
    return any(end - len(p) >= 0 and match_at(tokens, end - len(p), p) for p in phrases)


def _is_negation(token: str, patterns: FactPatterns) -> bool:
    if any(v in patterns.negation_cues for v in _variants(token)):
        return True
    return any(p.search(token) for p in patterns.negation_words)


def is_negated(tokens: list[str], start: int, patterns: FactPatterns) -> bool:
    """A negation cue up to ``negation_window`` words before ``start``, in the same clause."""
    for i in range(start - 1, max(-1, start - 1 - patterns.negation_window), -1):
        if tokens[i] in _PUNCTUATION or _any_at(tokens, i, patterns.clause_breaks):
            return False
        if _is_negation(tokens[i], patterns):
            return True
    return False


def number_value(token: str, patterns: FactPatterns) -> int | None:
    """The number a single word writes ("77", "سبعين", "sb3in", "الخامسة"), else ``None``."""
    if token.isdigit():
        return int(token) if len(token) <= 4 else None
    for variant in _unglued(token):
        if variant in patterns.number_words:
            return patterns.number_words[variant]
        value = parse_number(variant)
        if value is not None:
            return value
    return None


@dataclass(frozen=True)
class NumberSpan:
    """A number written over tokens ``start``..``end`` ("soixante dix sept", "سبعة وسبعين")."""

    value: int
    start: int
    end: int


def number_spans(tokens: list[str], patterns: FactPatterns) -> list[NumberSpan]:
    """Every number of the text, words joined by "و"/"w"/"et" read as one number."""
    spans: list[NumberSpan] = []
    i = 0
    while i < len(tokens):
        if number_value(tokens[i], patterns) is None:
            i += 1
            continue
        start, words, j = i, [tokens[i]], i + 1
        while j < len(tokens):
            if number_value(tokens[j], patterns) is not None and not tokens[j].isdigit():
                words.append(tokens[j])
                j += 1
            elif tokens[j] in _JOINERS and j + 1 < len(tokens) and number_value(tokens[j + 1], patterns):
                j += 1
            else:
                break
        if tokens[start].isdigit():
            value = int(tokens[start]) if len(words) == 1 else None
        else:
            value = _combine([number_value(w, patterns) or 0 for w in words])
        if value is not None:
            spans.append(NumberSpan(value, start, j))
        i = j
    return spans


def _combine(values: list[int]) -> int:
    """ "soixante dix sept" → 77, "quatre vingt deux" → 82, "خمسة وسبعين" → 75."""
    total = 0
    for value in values:
        if value == 100:
            total = (total or 1) * 100
        elif value == 20 and total % 100 == 4:
            total += 76  # quatre-vingt(s)
        else:
            total += value
    return total


def read_age(tokens: list[str], numbers: list[NumberSpan], patterns: FactPatterns) -> int | None:
    """The first age: a number before an age unit or after an age marker, not after a bound."""
    for span in numbers:
        if _ends_at(tokens, span.start, patterns.age_not_after):
            continue
        before_marker = _ends_at(tokens, span.start, patterns.age_markers)
        if before_marker or _any_at(tokens, span.end, patterns.age_units):
            return span.value
    return None


def read_flags(tokens: list[str], patterns: FactPatterns, used: set[int]) -> dict[str, str]:
    """Yes/no facts; a slot read both ways is left out (never guess)."""
    facts: dict[str, str] = {}
    for slot, spec in patterns.flags.items():
        requires = spec.get("requires")
        if requires and not any(match_at(tokens, i, p) for i in range(len(tokens)) for p in requires):
            continue
        readings: set[str] = set()
        taken = set(used)
        if find_phrases(tokens, spec.get(NO, ()), taken):
            readings.add(NO)
        for start, _ in find_phrases(tokens, spec.get(YES, ()), taken):
            readings.add(NO if is_negated(tokens, start, patterns) else YES)
        for start, _ in find_phrases(tokens, spec.get("negated_only", ()), taken):
            if is_negated(tokens, start, patterns):
                readings.add(NO)
        if len(readings) == 1:
            facts[slot] = readings.pop()
    return facts


def read_relation(tokens: list[str], patterns: FactPatterns) -> str | None:
    """Who the message is about: the first kin word, unless the citizen first gives her own age ("J'ai
    71 ans … ma femme"); "I" when no kin word is written."""
    numbers = {s.start for s in number_spans(tokens, patterns)}
    kin: list[tuple[int, str]] = []
    own: list[int] = []
    for name, phrases in patterns.relations.items():
        for start, end in find_phrases(tokens, phrases, set()):
            if name == "self":
                own.append(start)
            elif end not in numbers:  # "ولدي ثلاثة أطفال" is "and I have", not "my son"
                kin.append((start, name))
    if kin:
        first_kin = min(kin)
        if any(s < first_kin[0] and any(s < n <= s + 3 for n in numbers) for s in own):
            return "self"
        return first_kin[1]
    return "self" if own else None


def _without_kin_words(tokens: list[str], patterns: FactPatterns) -> list[str]:
    """The tokens with kin phrases blanked: French "ma" in "ma fille" is no Darija negation."""
    spans = [
        span
        for name, phrases in patterns.relations.items()
        if name != "self"
        for span in find_phrases(tokens, phrases, set())
    ]
    blank = {k for start, end in spans for k in range(start, end)}
    return [KIN if k in blank else token for k, token in enumerate(tokens)]


def read_children(tokens: list[str], numbers: list[NumberSpan], patterns: FactPatterns) -> dict[str, int]:
    """Counts of children by group: orphans, under five, at school; a group read twice is left out."""
    spec = patterns.children
    counts: dict[str, list[int]] = {}
    starts = {s.start: s for s in numbers}
    for i in range(len(tokens)):
        count, noun_at = None, None
        if i in starts:
            span = starts[i]
            j = span.end
            while j < len(tokens) and _any_at(tokens, j, spec["fillers"]) and j - span.end < 2:
                j += 1
            if j < len(tokens) and (
                _any_at(tokens, j, spec["nouns"])
                or _any_at(tokens, j, spec["orphan_nouns"])
                or _any_at(tokens, j, spec["infant_nouns"])
            ):
                count, noun_at = span.value, j
        elif (i - 1) not in {s.end - 1 for s in numbers}:
            counted = next((v for t in _variants(tokens[i]) if (v := spec["counted_nouns"].get(t))), None)
            if counted:
                count, noun_at = counted, i
        if count is None or noun_at is None:
            continue
        group = _children_group(tokens, noun_at, numbers, patterns)
        if group:
            counts.setdefault(group, []).append(count)
    return {group: values[0] for group, values in counts.items() if len(set(values)) == 1}


def _children_group(
    tokens: list[str], noun_at: int, numbers: list[NumberSpan], patterns: FactPatterns
) -> str:
    spec = patterns.children
    if _any_at(tokens, noun_at, spec["orphan_nouns"]):
        return "orphans_widow"
    if _any_at(tokens, noun_at, spec["infant_nouns"]):
        return "children_0_5"
    end = min(len(tokens), noun_at + 1 + spec["window"])
    for k in range(noun_at + 1, end):
        if tokens[k] in _PUNCTUATION:
            break
        if _any_at(tokens, k, spec["under_cues"]):
            bound = next((s for s in numbers if k < s.start <= k + 3), None)
            if bound and bound.value <= spec["infant_bound"]:
                return "children_0_5"
        if _any_at(tokens, k, spec["school_cues"]):
            return (
                "children_6_20_out_of_school" if is_negated(tokens, k, patterns) else "children_6_20_school"
            )
    return ""


def read_city(text: str, gazetteer: Gazetteer | None = None) -> str | None:
    """The one city named in the text (gazetteer id), none when two different cities are named."""
    found = {city.id for city, _, _ in (gazetteer or default_gazetteer()).find_mentions(text)}
    return found.pop() if len(found) == 1 else None


def extract_facts(
    text: str, patterns: FactPatterns | None = None, gazetteer: Gazetteer | None = None
) -> dict[str, Any]:
    """Every fact ``text`` states, under the slot names of ``data/eligibility/*.yml``.

    Keys: ``age`` (int), ``family_support``/``resources``/``has_disability``/``child_disability``/
    ``rsu_registered`` ("yes"/"no"), ``children_0_5``/``children_6_20_school``/
    ``children_6_20_out_of_school``/``orphans_widow`` (int), ``relation`` and ``city`` (ids).
    """
    patterns = patterns or default_patterns()
    tokens = tokens_of(text)
    if not tokens:
        return {}
    used: set[int] = set()
    find_phrases(tokens, patterns.ignore, used)
    numbers = number_spans(tokens, patterns)
    facts: dict[str, Any] = {}
    relation = read_relation(tokens, patterns)
    if relation:
        facts["relation"] = relation
    tokens = _without_kin_words(tokens, patterns)
    age = read_age(tokens, numbers, patterns)
    if age is not None:
        facts["age"] = age
    flags = read_flags(tokens, patterns, used)
    disability = flags.pop("has_disability", None)
    facts.update(flags)
    if disability:
        facts["has_disability"] = disability
        if relation in patterns.child_relations:
            facts["child_disability"] = disability
    facts.update(read_children(tokens, numbers, patterns))
    city = read_city(text, gazetteer)
    if city:
        facts["city"] = city
    return facts


def merge_facts(texts: Iterable[str], patterns: FactPatterns | None = None) -> dict[str, Any]:
    """The facts of several messages, a later message overriding an earlier one."""
    merged: dict[str, Any] = {}
    for text in texts:
        merged.update(extract_facts(text, patterns))
    return merged
