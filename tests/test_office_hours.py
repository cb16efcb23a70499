"""Office hours and holidays decide between a live handoff and "staff are back on …"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.content_errors import ContentError
from bot.handoff.office_hours import OfficeHours

CASABLANCA = ZoneInfo("Africa/Casablanca")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CASABLANCA)


@pytest.fixture(scope="module")
def hours() -> OfficeHours:
    return OfficeHours.load()  # the shipped configuration


def test_weekday_office_hours(hours):
    assert hours.is_open(at(2026, 12, 1, 10, 0))  # Tuesday morning
    assert not hours.is_open(at(2026, 12, 1, 8, 29))
    assert not hours.is_open(at(2026, 12, 1, 16, 30))  # the end is exclusive
    assert not hours.is_open(at(2026, 12, 5, 11, 0))  # Saturday


def test_fixed_public_holidays_are_closed(hours):
    assert not hours.is_open(at(2026, 11, 18, 10, 0))  # Independence Day, a Wednesday
    assert not hours.is_open(at(2027, 1, 11, 10, 0))  # Independence Manifesto, a Monday


def test_timezone_of_the_question_does_not_matter(hours):
    utc = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)  # 10:00 in Casablanca
    assert hours.is_open(utc)


def test_next_opening_skips_weekends_and_holidays(hours):
    friday_evening = at(2026, 11, 13, 18, 0)
    assert hours.next_opening(friday_evening) == at(2026, 11, 16, 8, 30)
    before_green_march = at(2026, 11, 5, 17, 0)  # Thursday; Friday 6 Nov is a holiday
    assert hours.next_opening(before_green_march) == at(2026, 11, 9, 8, 30)


def test_dated_holidays_from_the_file(tmp_path):
    path = tmp_path / "hours.yml"
    path.write_text(
        'timezone: Africa/Casablanca\nweek:\n  monday: [["09:00", "12:00"]]\ndated_holidays:\n  2026-12-07: Eid\n',
        encoding="utf-8",
    )
    hours = OfficeHours.load(path)
    assert not hours.is_open(at(2026, 12, 7, 10, 0))
    assert hours.next_opening(at(2026, 12, 6, 10, 0)) == at(2026, 12, 14, 9, 0)


@pytest.mark.parametrize(
    "week, error",
    [
        ('  funday: [["09:00", "12:00"]]', "unknown day 'funday'"),
        ('  monday: [["12:00", "09:00"]]', "ends before it starts"),
        ('  monday: [["9h", "12:00"]]', "Invalid isoformat"),
    ],
)
def test_bad_configuration_is_named(tmp_path, week, error):
    path = tmp_path / "hours.yml"
    path.write_text(f"week:\n{week}\n", encoding="utf-8")
    with pytest.raises(ContentError, match=error):
        OfficeHours.load(path)
