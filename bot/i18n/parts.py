"""Descriptions of reply parts that an action sends and the NLG renders (``bot/nlg.py``).

An action never translates: it names catalogue keys and passes values. A value that is itself a
text of several pieces (a list of centres, the facts read from the citizen's messages, an
eligibility outcome) is described with the small JSON-safe parts below; they travel from the
action server to Rasa with the message, and the NLG renders them in the reply locale.

Each part is a mapping with a ``part`` field naming its kind:

- ``text(key, **values)``: the catalogue text of ``key`` filled with ``values`` and, in a
  right-to-left locale, with its left-to-right runs isolated (as a whole reply is);
- ``word(key)``: the catalogue text of ``key`` only (a label, a type of centre, a day);
- ``joined(items, separator)``: the rendered items joined by ``separator`` (itself a value);
- ``by_locale(texts)``: a text of the content data, given in every locale (a city's name);
- ``km(distance)``: a distance written with the locale's number format and unit;
- ``opening_hours(hours)``: a centre's hours (OpenStreetMap syntax) said in the locale.

Anything else (a number, a plain string) is used as it is.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

PART = "part"


def text(key: str | Sequence[str], **values: Any) -> dict:
    """A catalogue text with its values; a list of keys means the first one the catalogue has."""
    return {PART: "text", "key": key if isinstance(key, str) else list(key), "values": values}


def word(key: str) -> dict:
    """A catalogue text inserted as it is (no values, no direction marks of its own)."""
    return {PART: "word", "key": key}


def joined(items: Iterable[Any], separator: Any = "\n") -> dict:
    """Several values rendered one after the other, with ``separator`` between them."""
    return {PART: "join", "items": list(items), "separator": separator}


def by_locale(texts: Mapping[str, str]) -> dict:
    """A text of the content data (not of the catalogues), given in each reply locale."""
    return {PART: "by_locale", "texts": dict(texts)}


def km(distance: float) -> dict:
    """A distance in kilometres, written for the reply locale ("2,4 km", "2,4 كلم")."""
    return {PART: "km", "distance": float(distance)}


def opening_hours(hours: str) -> dict:
    """Opening hours in OpenStreetMap syntax, said in the reply locale."""
    return {PART: "opening_hours", "hours": hours}


def choice(title: Any, payload: str) -> dict:
    """A button: its title is a catalogue key (or a part such as ``by_locale``) the NLG renders."""
    return {"title": title, "payload": payload}


def is_part(value: Any) -> bool:
    """True for a value built by this module."""
    return isinstance(value, Mapping) and isinstance(value.get(PART), str)
