"""CLI: import a content team's centres CSV into ``data/centers/`` after validating it.

``python -m bot.geo.import_centers FILE [--name NAME]``: every problem is printed with its line;
nothing is copied unless the whole file is valid, so the directory in use never half-changes.
The checks are those of ``bot.geo.directory`` (columns, ids, coordinates, types, phone, dates, sources)
and the ``opening_hours`` format (OpenStreetMap subset, ``bot.geo.opening_hours``; data/centers/README.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from bot.geo.directory import DIRECTORY_DIR, DirectoryError, read_directory


def import_file(source: Path, name: str | None = None, target_dir: Path = DIRECTORY_DIR) -> Path:
    """Validates ``source`` (rows, and ids unique against the other files), then swaps it in atomically."""
    new = read_directory(source)
    target = target_dir / f"{name or source.stem}.csv"
    existing = {
        c.id for p in sorted(target_dir.glob("*.csv")) if p.name != target.name for c in read_directory(p)
    }
    duplicates = [f"{source}: id '{c.id}' already exists in {target_dir}" for c in new if c.id in existing]
    if duplicates:
        raise DirectoryError(duplicates)
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--name", help="file name inside data/centers (default: the source's name)")
    args = parser.parse_args()
    try:
        target = import_file(args.file, args.name)
    except DirectoryError as error:
        print("\n".join(error.problems), file=sys.stderr)
        print(f"not imported: {len(error.problems)} problem(s)", file=sys.stderr)
        sys.exit(1)
    print(f"imported {args.file} as {target}")


if __name__ == "__main__":
    main()
