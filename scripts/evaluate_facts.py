"""`make eval-facts`: facts read from first messages, on the measurement set tests/data/eligibility_facts/.

Prints per variety: facts found / expected, facts read wrongly (a wrong value or a fact the message
does not state) / facts read, and the share of the check's questions skipped because already
answered. The questions are counted by playing the check with a citizen who answers each question with the annotated fact, or
"I don't know" when the message did not give it: once from no answers, once from the answers read
from the message (and, for reference, once from the annotated facts). Every error goes to
reports/tmp/eligibility_facts_errors.json.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from bot.eligibility.engine import next_question
from bot.eligibility.facts_from_text import extract_facts
from bot.eligibility.loader import default_programmes
from bot.eligibility.model import DONT_KNOW, Programme
from bot.eligibility.prefill import prefill_answers
from bot.settings import ROOT

FACTS_DIR = ROOT / "tests" / "data" / "eligibility_facts"
ERRORS = ROOT / "reports" / "tmp" / "eligibility_facts_errors.json"
#: Facts that answer no question but are shown to the citizen or used elsewhere.
CONTEXT_FACTS = ("relation", "city")
MAX_QUESTIONS = 50


@dataclass
class Score:
    """Counts of one variety."""

    messages: int = 0
    expected: int = 0
    found: int = 0
    read: int = 0
    wrong: int = 0
    invented: int = 0
    asked_before: int = 0
    asked_after: int = 0
    asked_ideal: int = 0
    errors: list[dict] = field(default_factory=list)


def questions_asked(programme: Programme, start: Mapping[str, Any], truth: Mapping[str, Any]) -> int:
    """How many questions the check asks from ``start`` when the citizen answers from ``truth``."""
    answers = dict(start)
    asked = 0
    while (question := next_question(programme, answers)) is not None and asked < MAX_QUESTIONS:
        asked += 1
        answers[question.slot] = truth.get(question.slot, DONT_KNOW)
    return asked


def score_message(item: Mapping[str, Any], programmes: Mapping[str, Programme], score: Score) -> None:
    """Adds one annotated message to ``score``."""
    expected = dict(item.get("facts") or {})
    got = extract_facts(item["text"])
    programme = programmes.get(item.get("programme") or "")
    relevant = set(CONTEXT_FACTS) | ({q.slot for q in programme.questions} if programme else set(got))
    keys = set(expected) | (set(got) & relevant)
    score.messages += 1
    score.expected += len(expected)
    for key in sorted(keys):
        if key in got:
            score.read += 1
        if key in expected and got.get(key) == expected[key]:
            score.found += 1
            continue
        kind = "missed" if key not in got else ("invented" if key not in expected else "wrong")
        score.wrong += kind == "wrong"
        score.invented += kind == "invented"
        score.errors.append(
            {
                "text": item["text"],
                "fact": key,
                "kind": kind,
                "expected": expected.get(key),
                "read": got.get(key),
            }
        )
    if programme:
        score.asked_before += questions_asked(programme, {}, expected)
        score.asked_after += questions_asked(programme, prefill_answers(programme, got), expected)
        score.asked_ideal += questions_asked(programme, prefill_answers(programme, expected), expected)


def timing(rounds: int = 20) -> str:
    """Time to read the facts of one message: a typical one and one at the 1,000-character limit."""
    short = "mimti 3ndha 77 3am w sakna bo7dha w ma 3ndhach retraite"
    longest = ("Ma mère a 77 ans, elle vit seule et n'a pas de pension, elle habite à Oujda. " * 13)[:1000]
    extract_facts(short)  # patterns loaded once per process
    results = []
    for text in (short, longest):
        start = time.perf_counter()
        for i in range(rounds):
            extract_facts(f"{text[:-6]} {i:05d}")  # a new text each round: nothing cached
        results.append((time.perf_counter() - start) / rounds * 1000)
    return f"reading time per message: {results[0]:.2f} ms ({len(short)} chars), {results[1]:.1f} ms (1000 chars)"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "   n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=FACTS_DIR)
    args = parser.parse_args(argv)
    programmes = default_programmes()
    scores: dict[str, Score] = {}
    for path in sorted(args.dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        score = scores.setdefault(data["variety"], Score())
        for item in data["messages"]:
            score_message(item, programmes, score)
    total = Score()
    print(
        f"{'variety':9} {'msgs':>4} {'found/expected':>15} {'wrong/read':>16} {'questions before→after (ideal)':>31}"
    )
    for variety, s in [*sorted(scores.items()), ("all", total)]:
        if variety != "all":
            for name in ("messages", "expected", "found", "read", "wrong", "invented"):
                setattr(total, name, getattr(total, name) + getattr(s, name))
            for name in ("asked_before", "asked_after", "asked_ideal"):
                setattr(total, name, getattr(total, name) + getattr(s, name))
            total.errors += s.errors
        bad = s.wrong + s.invented
        saved = s.asked_before - s.asked_after
        print(
            f"{variety:9} {s.messages:4} {s.found:4}/{s.expected:<4}{_share(s.found, s.expected)}"
            f" {bad:3}/{s.read:<4}{_share(bad, s.read)}"
            f"   {s.asked_before:3}→{s.asked_after:<3} ({s.asked_ideal:3})  no longer asked:"
            f"{_share(saved, s.asked_before)} (ideal{_share(s.asked_before - s.asked_ideal, s.asked_before)})"
        )
    print(timing())
    ERRORS.parent.mkdir(parents=True, exist_ok=True)
    ERRORS.write_text(json.dumps(total.errors, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"errors: {ERRORS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
