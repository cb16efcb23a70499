"""Directory of social centres: loading with validation, and nearest-centre search.

The directory is a CSV file that content teams edit (``data/centers/*.csv``). Loading checks
every row and reports each problem with file and line; a file with any error is refused as a
whole, so a bad edit never half-loads and the previous directory stays in use.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from bot.content_errors import ContentError
from bot.geo.opening_hours import EXAMPLE, OpeningHours, OpeningHoursError, parse_opening_hours
from bot.settings import ROOT

DIRECTORY_DIR = ROOT / "data" / "centers"
COLUMNS = (
    "id", "name_ar", "name_fr", "types", "city", "region", "address", "latitude", "longitude", "phone",
    "opening_hours", "source", "checked", "verified",
)  # fmt: skip
CENTER_TYPES = ("women", "violence_unit", "elderly", "disability", "children", "homeless", "general")
# Morocco including the southern provinces (a generous box: the validator catches typos like a swapped sign).
LAT_RANGE = (20.5, 36.1)
LON_RANGE = (-17.5, -0.9)
_PHONE = re.compile(r"^(?:\+212|0)[5-8]\d{8}$")
EARTH_RADIUS_KM = 6371.0088
#: The ``source`` of made-up rows (data/centers/README.md).
SAMPLE_SOURCE = "sample"


class DirectoryError(ContentError):
    """The centres directory has problems (each as ``file:line: text``)."""


@dataclass(frozen=True)
class Center:
    """One social centre."""

    id: str
    name_ar: str
    name_fr: str
    types: tuple[str, ...]
    city: str
    region: str
    address: str
    latitude: float
    longitude: float
    phone: str
    opening_hours: str
    source: str
    checked: str
    verified: bool

    @property
    def is_sample(self) -> bool:
        """A made-up row for development (``source`` is ``sample``): never shown as a real place."""
        return self.source.strip().lower() == SAMPLE_SOURCE

    @property
    def hours(self) -> OpeningHours:
        """The parsed ``opening_hours`` (validated when the row was read)."""
        return parse_opening_hours(self.opening_hours)

    def name(self, locale: str) -> str:
        """Arabic name for Arabic-script replies, French otherwise."""
        return self.name_ar if locale in ("ary", "ar") and self.name_ar else self.name_fr


def _normalise_phone(value: str) -> str:
    return re.sub(r"[\s.\-()]", "", value)


def _row_problems(row: dict, known_ids: set[str], where: str) -> list[str]:
    problems = []
    missing = [
        c
        for c in ("id", "name_fr", "types", "city", "latitude", "longitude")
        if not (row.get(c) or "").strip()
    ]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
    identifier = (row.get("id") or "").strip()
    if identifier and identifier in known_ids:
        problems.append(f"{where}: duplicate id '{identifier}'")
    for column, bounds in (("latitude", LAT_RANGE), ("longitude", LON_RANGE)):
        raw = (row.get(column) or "").strip()
        if not raw:
            continue
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            problems.append(f"{where}: {column} '{raw}' is not a number")
            continue
        if not bounds[0] <= value <= bounds[1]:
            problems.append(f"{where}: {column} {value} is outside Morocco ({bounds[0]} to {bounds[1]})")
    unknown = [t for t in (row.get("types") or "").split("|") if t.strip() and t.strip() not in CENTER_TYPES]
    if unknown:
        problems.append(f"{where}: unknown type(s) {', '.join(unknown)}; use {', '.join(CENTER_TYPES)}")
    phone = (row.get("phone") or "").strip()
    if phone and not _PHONE.match(_normalise_phone(phone)):
        problems.append(f"{where}: phone '{phone}' is not a Moroccan number (0XXXXXXXXX or +212XXXXXXXXX)")
    verified = (row.get("verified") or "").strip().lower()
    if verified not in ("", "true", "false"):
        problems.append(f"{where}: verified must be true or false, not '{verified}'")
    source = (row.get("source") or "").strip()
    if verified == "true" and (not source or source == SAMPLE_SOURCE or not source.startswith("http")):
        problems.append(f"{where}: a verified row needs a source URL (got '{source or 'nothing'}')")
    hours = (row.get("opening_hours") or "").strip()
    try:
        parse_opening_hours(hours)
    except OpeningHoursError as error:
        problems.append(f"{where}: opening_hours '{hours}': {error} (format: '{EXAMPLE}', '24/7' or empty)")
    checked = (row.get("checked") or "").strip()
    if checked:
        try:
            date.fromisoformat(checked)
        except ValueError:
            problems.append(f"{where}: checked '{checked}' is not a date (YYYY-MM-DD)")
    return problems


def read_directory(path: Path) -> list[Center]:
    """Reads and validates one CSV file; raises :class:`DirectoryError` with every problem."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DirectoryError([f"{path}: cannot read: {error}"]) from error
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing_columns = [c for c in COLUMNS if c not in header]
    if missing_columns:
        raise DirectoryError([f"{path}:1: missing column(s) {', '.join(missing_columns)}"])
    centers: list[Center] = []
    problems: list[str] = []
    ids: set[str] = set()
    for line, row in enumerate(reader, start=2):
        where = f"{path}:{line}"
        if None in row:
            problems.append(f"{where}: more values than columns (a comma inside a value needs quotes)")
            continue
        row_problems = _row_problems(row, ids, where)
        problems.extend(row_problems)
        ids.add((row.get("id") or "").strip())
        if row_problems:
            continue
        centers.append(
            Center(
                id=row["id"].strip(),
                name_ar=row["name_ar"].strip(),
                name_fr=row["name_fr"].strip(),
                types=tuple(t.strip() for t in row["types"].split("|") if t.strip()),
                city=row["city"].strip(),
                region=row["region"].strip(),
                address=row["address"].strip(),
                latitude=float(row["latitude"].replace(",", ".")),
                longitude=float(row["longitude"].replace(",", ".")),
                phone=_normalise_phone(row["phone"].strip()),
                opening_hours=row["opening_hours"].strip(),
                source=row["source"].strip(),
                checked=row["checked"].strip(),
                verified=row["verified"].strip().lower() == "true",
            )
        )
    if problems:
        raise DirectoryError(problems)
    return centers


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many, in kilometres."""
    lat1, lon1 = np.radians(lat), np.radians(lon)
    lat2, lon2 = np.radians(lats), np.radians(lons)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


class CenterDirectory:
    """Centres with vectorised nearest search (10,000 centres: well under a millisecond)."""

    def __init__(self, centers: Sequence[Center]) -> None:
        self.centers = list(centers)
        self._lats = np.array([c.latitude for c in self.centers], dtype=np.float64)
        self._lons = np.array([c.longitude for c in self.centers], dtype=np.float64)
        self._by_type = {t: np.array([t in c.types for c in self.centers], dtype=bool) for t in CENTER_TYPES}

    @property
    def is_sample(self) -> bool:
        """True when every row is a sample row (the shipped directory)."""
        return all(c.is_sample for c in self.centers)

    def nearest(
        self, lat: float, lon: float, center_type: str | None = None, limit: int = 3, max_km: float = 150.0
    ) -> list[tuple[Center, float]]:
        """Up to ``limit`` centres of ``center_type`` within ``max_km`` (``math.inf``: any distance),
        nearest first."""
        if not self.centers:
            return []
        distances = haversine_km(lat, lon, self._lats, self._lons)
        if center_type in self._by_type:
            distances = np.where(self._by_type[center_type], distances, np.inf)
        count = min(limit, len(distances))
        candidates = np.argpartition(distances, count - 1)[:count]
        ordered = candidates[np.argsort(distances[candidates])]
        return [
            (self.centers[i], float(distances[i]))
            for i in ordered
            if np.isfinite(distances[i]) and distances[i] <= max_km
        ]

    def in_city(
        self, city: str, lat: float, lon: float, center_type: str | None = None
    ) -> list[tuple[Center, float]]:
        """Every centre of ``city`` (of ``center_type`` when given), nearest to the point first."""
        rows = [
            (i, c)
            for i, c in enumerate(self.centers)
            if c.city == city and (center_type is None or center_type in c.types)
        ]
        if not rows:
            return []
        index = np.array([i for i, _ in rows])
        distances = haversine_km(lat, lon, self._lats[index], self._lons[index])
        return sorted(((c, float(d)) for (_, c), d in zip(rows, distances, strict=True)), key=lambda p: p[1])


def load_directory(directory: Path = DIRECTORY_DIR) -> CenterDirectory:
    """All CSV files of the directory folder, validated together (duplicate ids across files too)."""
    centers: list[Center] = []
    problems: list[str] = []
    for path in sorted(Path(directory).glob("*.csv")):
        try:
            centers.extend(read_directory(path))
        except DirectoryError as error:
            problems.extend(error.problems)
    seen: set[str] = set()
    for center in centers:
        if center.id in seen:
            problems.append(f"{directory}: id '{center.id}' appears in two files")
        seen.add(center.id)
    if problems:
        raise DirectoryError(problems)
    return CenterDirectory(centers)


class DirectoryHolder:
    """Keeps the last good directory: a reload that fails leaves the previous one in use."""

    def __init__(self, directory: Path = DIRECTORY_DIR) -> None:
        self._path = directory
        self.current = load_directory(directory)
        self.last_error: DirectoryError | None = None

    def reload(self) -> bool:
        """Tries to load the folder again; returns False (and keeps the old data) on errors."""
        try:
            self.current = load_directory(self._path)
        except DirectoryError as error:
            self.last_error = error
            return False
        self.last_error = None
        return True


def validate_files(paths: Iterable[Path]) -> list[str]:
    """Problems of the given files (empty when all are valid)."""
    problems: list[str] = []
    for path in paths:
        try:
            read_directory(path)
        except DirectoryError as error:
            problems.extend(error.problems)
    return problems
