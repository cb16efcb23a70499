"""Centre-type recall of the resolver alone, per variety, on a list of typed find_center requests.

``python -m scripts.center_type_recall [FILE]`` (default ``tests/data/center_type_phrases.yml``):
each message is given to :class:`bot.nlu.center_type_resolver.CenterTypeResolver` as a
``find_center`` message in which the entity extractor found nothing, the hardest case for the
resolver; prints recall per variety and every miss. The entity extractor's own scores come from
``make eval``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.center_type_resolver import (
    DEFAULT_FILE,
    CenterTypeResolver,
    load_center_words,
    load_centre_nouns,
)
from bot.settings import ROOT

PHRASES = ROOT / "tests" / "data" / "center_type_phrases.yml"


def build_resolver(words_file: Path = ROOT / DEFAULT_FILE) -> CenterTypeResolver:
    """The resolver with the words of ``words_file``, as a trained model would hold them."""
    data = {"types": load_center_words(words_file), "centre_nouns": load_centre_nouns(words_file)}
    return CenterTypeResolver({"words_file": str(words_file)}, None, None, data)


def resolved_type(resolver: CenterTypeResolver, text: str) -> str | None:
    """The type the resolver gives a ``find_center`` message with no extracted entity."""
    message = Message(
        data={"text": text, "intent": {"name": "find_center", "confidence": 1.0}, "entities": []}
    )
    resolver.process([message])
    found = [e["value"] for e in message.get("entities") or [] if e.get("entity") == "center_type"]
    return found[0] if found else None


def recall_per_variety(path: Path = PHRASES) -> dict[str, tuple[int, int, list[str]]]:
    """Variety → (found, total, misses as "text → got")."""
    resolver = build_resolver()
    phrases = yaml.safe_load(path.read_text(encoding="utf-8"))
    scores = {}
    for variety, rows in phrases.items():
        if variety == "version":
            continue
        misses = []
        for row in rows:
            got = resolved_type(resolver, row["text"])
            if got != row["type"]:
                misses.append(f"{row['text']} → {got} (expected {row['type']})")
        scores[variety] = (len(rows) - len(misses), len(rows), misses)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=PHRASES)
    args = parser.parse_args()
    found_all = total_all = 0
    for variety, (found, total, misses) in recall_per_variety(args.file).items():
        found_all, total_all = found_all + found, total_all + total
        print(f"{variety:<10} recall {found / total:.3f} ({found}/{total})")
        for miss in misses:
            print(f"    miss: {miss}")
    print(f"{'all':<10} recall {found_all / total_all:.3f} ({found_all}/{total_all})")


if __name__ == "__main__":
    main()
