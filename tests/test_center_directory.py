"""Centres directory: every validation error kind, atomic import, nearest search vs brute force."""

import csv
import math
import random
from pathlib import Path

import pytest

from bot.geo.directory import (
    COLUMNS,
    CenterDirectory,
    DirectoryError,
    DirectoryHolder,
    haversine_km,
    read_directory,
)
from bot.geo.import_centers import import_file

GOOD = {
    "id": "c1", "name_ar": "مركز", "name_fr": "Centre", "types": "women|general", "city": "tangier",
    "region": "tanger_tetouan_al_hoceima", "address": "x", "latitude": "35.77", "longitude": "-5.80",
    "phone": "0539 12 34 56", "opening_hours": "Mo-Fr 08:30-16:30; Sa 09:00-12:00", "source": "https://social.gov.ma/x",
    "checked": "2026-11-29", "verified": "true",
}  # fmt: skip


def _write(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows([{c: r.get(c, "") for c in columns} for r in rows])
    return path


def test_a_valid_file_loads(tmp_path):
    (center,) = read_directory(_write(tmp_path / "c.csv", [GOOD]))
    assert center.types == ("women", "general") and center.phone == "0539123456" and center.verified
    assert [sorted(rule.days) for rule in center.hours.rules] == [[0, 1, 2, 3, 4], [5]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"latitude": ""}, "missing latitude"),
        ({"longitude": "abc"}, "longitude 'abc' is not a number"),
        ({"latitude": "48.85"}, "latitude 48.85 is outside Morocco"),
        ({"longitude": "5.80"}, "longitude 5.8 is outside Morocco"),
        ({"types": "women|spa"}, "unknown type(s) spa"),
        ({"phone": "12345"}, "phone '12345' is not a Moroccan number"),
        ({"source": ""}, "a verified row needs a source URL"),
        ({"source": "sample"}, "a verified row needs a source URL"),
        ({"verified": "yes"}, "verified must be true or false"),
        ({"checked": "29/11/2026"}, "is not a date"),
        ({"opening_hours": "8:30-16:30"}, "opening_hours '8:30-16:30': rule '8:30-16:30' has no days"),
        ({"opening_hours": "Lun–Ven 08:30–16:30"}, "opening_hours 'Lun–Ven 08:30–16:30': use a plain hyphen"),
        ({"opening_hours": "Mo-Fr 08:30-17:60"}, "time '17:60' does not exist"),
    ],
)
def test_each_error_kind_is_reported_with_file_and_line(tmp_path, change, message):
    path = _write(tmp_path / "c.csv", [GOOD, {**GOOD, "id": "c2", **change}])
    with pytest.raises(DirectoryError) as error:
        read_directory(path)
    assert len(error.value.problems) == 1
    assert error.value.problems[0].startswith(f"{path}:3: ")
    assert message in error.value.problems[0]


def test_duplicate_id_and_missing_column(tmp_path):
    with pytest.raises(DirectoryError, match="duplicate id 'c1'"):
        read_directory(_write(tmp_path / "d.csv", [GOOD, GOOD]))
    with pytest.raises(DirectoryError, match="missing column"):
        read_directory(_write(tmp_path / "e.csv", [GOOD], columns=[c for c in COLUMNS if c != "phone"]))


def test_a_broken_edit_keeps_the_previous_directory(tmp_path):
    folder = tmp_path / "centers"
    folder.mkdir()
    _write(folder / "a.csv", [GOOD])
    holder = DirectoryHolder(folder)
    _write(folder / "a.csv", [GOOD, {**GOOD, "id": "c2", "latitude": "north"}])
    assert holder.reload() is False
    assert [c.id for c in holder.current.centers] == ["c1"]
    assert "latitude 'north'" in str(holder.last_error)
    _write(folder / "a.csv", [GOOD, {**GOOD, "id": "c2"}])
    assert holder.reload() is True and len(holder.current.centers) == 2


def test_import_refuses_a_bad_file_and_leaves_the_folder_untouched(tmp_path):
    folder = tmp_path / "centers"
    folder.mkdir()
    _write(folder / "current.csv", [GOOD])
    bad = _write(tmp_path / "team.csv", [{**GOOD, "id": "c9", "types": "unknown"}])
    with pytest.raises(DirectoryError):
        import_file(bad, target_dir=folder)
    clash = _write(tmp_path / "clash.csv", [GOOD])
    with pytest.raises(DirectoryError, match="already exists"):
        import_file(clash, target_dir=folder)
    assert sorted(p.name for p in folder.iterdir()) == ["current.csv"]
    good = _write(tmp_path / "team.csv", [{**GOOD, "id": "c9"}])
    assert import_file(good, target_dir=folder) == folder / "team.csv"
    assert len(DirectoryHolder(folder).current.centers) == 2


def _random_directory(count: int, seed: int = 3) -> CenterDirectory:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        lat, lon = rng.uniform(21, 35.9), rng.uniform(-17, -1)
        types = rng.sample(["women", "elderly", "disability", "children", "homeless", "general"], 2)
        rows.append(read_row(i, lat, lon, types))
    return CenterDirectory(rows)


def read_row(i, lat, lon, types, city="x"):
    from bot.geo.directory import Center

    return Center(f"c{i}", "", f"C{i}", tuple(types), city, "r", "", lat, lon, "", "", "sample", "", False)


def test_nearest_matches_brute_force_on_random_points():
    directory = _random_directory(2000)
    rng = random.Random(11)
    for _ in range(50):
        lat, lon = rng.uniform(21, 35.9), rng.uniform(-17, -1)
        center_type = rng.choice([None, "women", "elderly", "homeless"])
        result = directory.nearest(lat, lon, center_type, limit=3, max_km=10_000)
        candidates = [c for c in directory.centers if center_type is None or center_type in c.types]
        brute = sorted(candidates, key=lambda c: haversine_km(lat, lon, [c.latitude], [c.longitude])[0])[:3]
        assert [c.id for c, _ in result] == [c.id for c in brute]


def test_radius_limits_results_and_distance_is_right():
    directory = CenterDirectory([read_row(1, 35.7767, -5.8039, ["women"])])  # Tangier
    ((_center, distance),) = directory.nearest(34.0253, -6.8361, "women", max_km=300)  # from Rabat
    assert 215 < distance < 225  # Rabat–Tangier is about 220 km as the crow flies
    assert directory.nearest(34.0253, -6.8361, "women", max_km=100) == []
    assert directory.nearest(35.77, -5.80, "elderly") == []


def test_unbounded_search_never_returns_a_centre_of_another_type():
    directory = CenterDirectory(
        [read_row(1, 35.7767, -5.8039, ["women"]), read_row(2, 34.02, -6.83, ["elderly"])]
    )
    ((center, distance),) = directory.nearest(35.77, -5.80, "elderly", limit=3, max_km=math.inf)
    assert center.id == "c2" and distance > 200
    assert directory.nearest(35.77, -5.80, "homeless", max_km=math.inf) == []


def test_in_city_lists_the_city_centres_nearest_first_and_filters_by_type():
    rows = [
        read_row(1, 35.80, -5.80, ["women"], city="tangier"),
        read_row(2, 35.77, -5.80, ["homeless"], city="tangier"),
        read_row(3, 34.02, -6.83, ["women"], city="rabat"),
    ]
    directory = CenterDirectory(rows)
    assert [c.id for c, _ in directory.in_city("tangier", 35.77, -5.80)] == ["c2", "c1"]
    assert [c.id for c, _ in directory.in_city("tangier", 35.77, -5.80, "women")] == ["c1"]
    assert directory.in_city("oujda", 34.68, -1.91) == []


def test_sample_status_is_per_row(tmp_path):
    sample = {**GOOD, "id": "s1", "source": "sample", "verified": "false"}
    pending = {**GOOD, "id": "p1", "source": "https://example.org/list", "verified": "false"}
    rows = {c.id: c for c in read_directory(_write(tmp_path / "c.csv", [GOOD, sample, pending]))}
    assert [rows[i].is_sample for i in ("c1", "s1", "p1")] == [False, True, False]
    assert not CenterDirectory(rows.values()).is_sample, (
        "one sample row does not make the whole directory sample"
    )
    assert CenterDirectory([rows["s1"]]).is_sample
