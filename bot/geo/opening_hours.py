"""Opening hours of a centre: a small subset of OpenStreetMap's ``opening_hours`` syntax.

Content teams write the hours once, without words of any language, and the assistant says them in
the reply locale (day names and "every day" / "closed" / "24 hours" from the Babel catalogues).

Accepted (https://wiki.openstreetmap.org/wiki/Key:opening_hours, a strict subset):

- empty: hours unknown (the reply says to call and confirm);
- ``24/7``: always open;
- rules separated by ``;``, each ``<days> <times>`` where ``<days>`` is days ``Mo Tu We Th Fr Sa Su``,
  ranges (``Mo-Fr``, ``Sa-Mo`` wraps over the week-end) and lists (``Mo,We,Fr``, ``Mo-We,Fr``), and
  ``<times>`` is ``off`` (closed) or ``HH:MM-HH:MM`` intervals separated by ``,``. An interval may run
  past midnight (``18:00-08:00``); ``24:00`` may end one (``00:00-24:00`` is the whole day).

Example: ``Mo-Fr 08:30-12:00,14:00-16:30; Sa 09:00-12:00; Su off``. A day may appear in one rule only
(OSM lets a later rule override an earlier one; here that is refused as ambiguous).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.i18n.render import direct_text

#: OSM day abbreviations, Monday first.
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_KEYS = {
    "Mo": "hours_day_mo", "Tu": "hours_day_tu", "We": "hours_day_we", "Th": "hours_day_th",
    "Fr": "hours_day_fr", "Sa": "hours_day_sa", "Su": "hours_day_su",
}  # fmt: skip
_TIME = re.compile(r"^(\d{2}):(\d{2})$")
_LOOSE_TIME = re.compile(r"^\d{1,2}[:h.]\d{2}")
EXAMPLE = "Mo-Fr 08:30-16:30; Sa 09:00-12:00"


class OpeningHoursError(ValueError):
    """The text is not in the accepted subset; the message says what is wrong and how to write it."""


@dataclass(frozen=True)
class Rule:
    """Days (as written: ranges of day indexes, Monday = 0) and their intervals (none = closed)."""

    spans: tuple[tuple[int, int], ...]
    intervals: tuple[tuple[str, str], ...]

    @property
    def days(self) -> frozenset[int]:
        found: set[int] = set()
        for first, last in self.spans:
            found.update(_span_days(first, last))
        return frozenset(found)

    @property
    def closed(self) -> bool:
        return not self.intervals


@dataclass(frozen=True)
class OpeningHours:
    """Parsed hours: unknown (no rule, not always open), ``24/7``, or rules."""

    rules: tuple[Rule, ...] = ()
    always_open: bool = False

    @property
    def known(self) -> bool:
        return self.always_open or bool(self.rules)


def _span_days(first: int, last: int) -> list[int]:
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _minutes(text: str, *, is_end: bool) -> int:
    match = _TIME.match(text)
    if not match:
        raise OpeningHoursError(f"time '{text}' is not HH:MM (two digits each, e.g. 08:30)")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not is_end)):
        raise OpeningHoursError(f"time '{text}' does not exist (00:00 to 23:59; 24:00 only as an end)")
    return hours * 60 + minutes


def _parse_days(text: str) -> tuple[tuple[int, int], ...]:
    spans = []
    for part in text.split(","):
        ends = part.split("-")
        if not part or len(ends) > 2 or not all(ends):
            raise OpeningHoursError(f"days '{text}' are not like Mo-Fr or Mo,We")
        for day in ends:
            if day not in DAYS:
                raise OpeningHoursError(f"unknown day '{day}': use {' '.join(DAYS)}")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        if len(ends) == 2 and first == last:
            raise OpeningHoursError(f"day range '{part}' starts and ends on the same day: write {ends[0]}")
        spans.append((first, last))
    return tuple(spans)


def _parse_intervals(text: str) -> tuple[tuple[str, str], ...]:
    intervals = []
    covered: list[tuple[int, int]] = []  # minutes of the day, an overnight interval split in two
    for part in (p.strip() for p in text.split(",")):
        start, dash, end = part.partition("-")
        if not dash or not start or not end:
            raise OpeningHoursError(f"'{part}' is not a time interval HH:MM-HH:MM (or 'off')")
        begin, finish = _minutes(start, is_end=False), _minutes(end, is_end=True)
        if begin == finish:
            raise OpeningHoursError(f"interval '{part}' is empty (start = end)")
        pieces = [(begin, finish)] if begin < finish else [(begin, 24 * 60), (0, finish)]
        for low, high in pieces:
            if any(low < other_high and other_low < high for other_low, other_high in covered):
                raise OpeningHoursError(f"interval '{part}' overlaps another one of the same days")
        covered.extend(pieces)
        intervals.append((start, end))
    return tuple(intervals)


def parse_opening_hours(text: str) -> OpeningHours:
    """Parses the subset above; raises :class:`OpeningHoursError` on anything else."""
    text = (text or "").strip()
    if not text:
        return OpeningHours()
    if text == "24/7":
        return OpeningHours(always_open=True)
    if "–" in text or "—" in text:
        raise OpeningHoursError("use a plain hyphen '-' in ranges, not a dash '–'")
    rules: list[Rule] = []
    seen: dict[int, str] = {}
    for raw in text.split(";"):
        rule_text = raw.strip()
        if not rule_text:
            raise OpeningHoursError("empty rule (two ';' in a row, or a ';' at the end)")
        if rule_text == "24/7":
            raise OpeningHoursError("'24/7' must be the whole value, not one rule among others")
        days_text, _, times_text = rule_text.partition(" ")
        times_text = times_text.strip()
        if _LOOSE_TIME.match(days_text):
            raise OpeningHoursError(f"rule '{rule_text}' has no days: start it with days, like 'Mo-Su'")
        if not times_text:
            raise OpeningHoursError(
                f"rule '{rule_text}' needs days then times, like '{EXAMPLE.split(';')[0]}'"
            )
        spans = _parse_days(days_text)
        intervals = () if times_text == "off" else _parse_intervals(times_text)
        rule = Rule(spans, intervals)
        for day in sorted(rule.days):
            if day in seen:
                raise OpeningHoursError(f"{DAYS[day]} is in two rules ('{seen[day]}' and '{rule_text}')")
            seen[day] = rule_text
        rules.append(rule)
    return OpeningHours(rules=tuple(rules))


def _word(key: str, locale: str) -> str:
    """A piece of the hours (keys declared in ``locales/keys.yml``); the reply adds the bidi marks."""
    return direct_text(key, locale, marks=False)


def _days_text(rule: Rule, locale: str) -> str:
    if len(rule.days) == 7:
        return _word("hours_every_day", locale)
    parts = []
    for first, last in rule.spans:
        if first == last:
            parts.append(_word(_DAY_KEYS[DAYS[first]], locale))
        else:
            parts.append(
                _word("hours_day_range", locale)
                .replace("{first}", _word(_DAY_KEYS[DAYS[first]], locale))
                .replace("{last}", _word(_DAY_KEYS[DAYS[last]], locale))
            )
    return _word("hours_list_separator", locale).join(parts)


def _times_text(rule: Rule, locale: str) -> str:
    if rule.closed:
        return _word("hours_closed", locale)
    if rule.intervals == (("00:00", "24:00"),):
        return _word("hours_open_24h", locale)
    return _word("hours_list_separator", locale).join(f"{start}–{end}" for start, end in rule.intervals)


def format_opening_hours(hours: OpeningHours | str, locale: str) -> str:
    """The hours in ``locale`` (plain text: the reply's ``render_text`` adds the bidi marks)."""
    if isinstance(hours, str):
        hours = parse_opening_hours(hours)
    if not hours.known:
        return _word("hours_unknown", locale)
    always = (Rule(((0, 6),), (("00:00", "24:00"),)),)  # said as "every day, 24 hours"
    rules = always if hours.always_open else hours.rules
    template = _word("hours_rule", locale)
    texts = [
        template.replace("{days}", _days_text(rule, locale)).replace("{times}", _times_text(rule, locale))
        for rule in rules
    ]
    return _word("hours_rule_separator", locale).join(texts)
