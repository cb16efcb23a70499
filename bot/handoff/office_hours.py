"""Office hours and public holidays of the caseworker team, read from ``data/handoff/office_hours.yml``.

The bot uses them to decide between a live handoff and "staff are back on …" with a callback
offer; the next opening time is shown to the citizen in their language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.content_errors import ContentError
from bot.settings import ROOT

DEFAULT_FILE = ROOT / "data" / "handoff" / "office_hours.yml"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class OfficeHours:
    """A weekly schedule in one timezone, minus holidays."""

    timezone: ZoneInfo
    week: dict[int, tuple[tuple[dt.time, dt.time], ...]]
    yearly_holidays: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    dated_holidays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def load(cls, path: Path = DEFAULT_FILE) -> OfficeHours:
        """Reads and checks the file; raises ContentError naming the problem."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            timezone = ZoneInfo(str(data.get("timezone", "Africa/Casablanca")))
            week: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
            for day, periods in (data.get("week") or {}).items():
                if day not in DAYS:
                    raise ValueError(f"unknown day '{day}' (use {', '.join(DAYS)})")
                parsed = tuple((_time(start), _time(end)) for start, end in periods or [])
                if any(start >= end for start, end in parsed):
                    raise ValueError(f"{day}: a period ends before it starts")
                week[DAYS.index(day)] = parsed
            yearly = frozenset(_month_day(key) for key in (data.get("yearly_holidays") or {}))
            dated = frozenset(dt.date.fromisoformat(str(key)) for key in (data.get("dated_holidays") or {}))
        except (OSError, yaml.YAMLError, ValueError, TypeError, KeyError, ZoneInfoNotFoundError) as error:
            raise ContentError([f"{path}: {error}"]) from error
        return cls(timezone, week, yearly, dated)

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.dated_holidays or (day.month, day.day) in self.yearly_holidays

    def is_open(self, when: dt.datetime) -> bool:
        """True when ``when`` (any timezone) falls inside office hours."""
        local = when.astimezone(self.timezone)
        if self.is_holiday(local.date()):
            return False
        return any(start <= local.time() < end for start, end in self.week.get(local.weekday(), ()))

    def next_opening(self, when: dt.datetime, horizon_days: int = 60) -> dt.datetime | None:
        """The next moment staff are back (local time), or None if the schedule is empty."""
        local = when.astimezone(self.timezone)
        for offset in range(horizon_days + 1):
            day = local.date() + dt.timedelta(days=offset)
            if self.is_holiday(day):
                continue
            for start, _end in self.week.get(day.weekday(), ()):
                opening = dt.datetime.combine(day, start, tzinfo=self.timezone)
                if opening > local:
                    return opening
        return None


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(str(value))


def _month_day(value: str) -> tuple[int, int]:
    month, day = str(value).split("-")
    dt.date(2024, int(month), int(day))  # validates (2024 is a leap year)
    return int(month), int(day)
