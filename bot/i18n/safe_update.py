"""Second half of `make i18n-update`: accept the catalogues `pybabel update` wrote into a copy.

`pybabel update` runs on a copy of ``locales/`` first; this compares each updated catalogue with
the original and copies it back only when no translation was lost or changed. New keys arrive as
empty entries (for translators, and `make validate` lists them as missing); keys no longer used
become obsolete (``#~``) only with ``--allow-obsolete``, since a key another team has just added
to a catalogue, but not yet to its code, would otherwise be switched off.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po


@dataclass
class CatalogueChange:
    """What an update did to one catalogue file."""

    path: Path
    added: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # translation text differs: never accepted
    lost: list[str] = field(default_factory=list)  # disappeared entirely: never accepted


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=None)


def _translations(catalog: Catalog) -> dict[str, str]:
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str)}


def compare(original: Path, updated: Path) -> CatalogueChange:
    """Added, obsoleted, changed and lost keys between two versions of a catalogue."""
    change = CatalogueChange(original)
    before = _translations(_read(original)) if original.exists() else {}
    after_catalog = _read(updated)
    after = _translations(after_catalog)
    obsolete = {key: m.string for key, m in after_catalog.obsolete.items() if isinstance(key, str)}
    change.added = sorted(set(after) - set(before))
    for key, text in before.items():
        if key in after:
            if after[key] != text:
                change.changed.append(key)
        elif key in obsolete:
            change.obsolete.append(key)
            if obsolete[key] != text:
                change.changed.append(key)
        else:
            change.lost.append(key)
    return change


def accept(copy_dir: Path, locales_dir: Path, allow_obsolete: bool = False) -> int:
    """Copies every sane updated catalogue back; returns 1 when any was refused."""
    refused = 0
    for updated in sorted(copy_dir.glob("*/LC_MESSAGES/*.po")):
        target = locales_dir / updated.relative_to(copy_dir)
        change = compare(target, updated)
        rel = f"{target.parent.parent.name}/{target.stem}"
        problems = []
        if change.changed or change.lost:
            problems.append(f"translations changed or lost: {', '.join(change.changed + change.lost)}")
        if change.obsolete and not allow_obsolete:
            problems.append(
                f"would switch off keys no code declares: {', '.join(change.obsolete)} "
                "(add them to domain.yml or locales/keys.yml, or rerun with ALLOW_OBSOLETE=1)"
            )
        if problems:
            refused += 1
            print(f"{rel}: NOT updated: {'; '.join(problems)}")
            continue
        shutil.copyfile(updated, target)
        added = f"{len(change.added)} new empty entr{'y' if len(change.added) == 1 else 'ies'}"
        print(f"{rel}: updated, {added}{': ' + ', '.join(change.added) if change.added else ''}"
              f"{f', {len(change.obsolete)} obsolete' if change.obsolete else ''}")  # fmt: skip
    return 1 if refused else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("copy_dir", type=Path, help="the copy of locales/ that pybabel updated")
    parser.add_argument("locales_dir", type=Path, help="the real locales/ folder")
    parser.add_argument("--allow-obsolete", action="store_true")
    args = parser.parse_args()
    sys.exit(accept(args.copy_dir, args.locales_dir, args.allow_obsolete))


if __name__ == "__main__":
    main()
