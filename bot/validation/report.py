"""Runs the checks of this package and prints every problem once: errors first, then warnings."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable

from bot.i18n.check import Problem

STARTED = time.perf_counter()


def project_checks(root: Path) -> list[Problem]:
    """Rasa's validation (located), stories against rules, duplicate examples, unused responses."""
    from bot.validation.duplicates import CACHE, check_duplicates
    from bot.validation.rasa_checks import check_rasa
    from bot.validation.responses import check_unused_responses

    return check_rasa(root) + check_duplicates(root, cache_dir=root / CACHE) + check_unused_responses(root)


def unique(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once (two checks may find the same thing), in a stable file:line order."""
    seen: dict[tuple, Problem] = {}
    for problem in problems:
        seen.setdefault((problem.file, problem.line, problem.level, problem.text), problem)
    return sorted(seen.values(), key=lambda p: (p.file, p.line, p.text))


def print_report(problems: Iterable[Problem]) -> int:
    """Prints errors, then warnings, then a summary; returns the exit code (1 when any error)."""
    problems = unique(problems)
    errors = [p for p in problems if p.level == "error"]
    warnings = [p for p in problems if p.level != "error"]
    for title, group in (("Errors (must be fixed)", errors), ("Warnings (check them)", warnings)):
        if group:
            print(f"{title}:")
            for problem in group:
                print(f"  {problem}")
    seconds = time.perf_counter() - STARTED
    print(f"content checks: {len(errors)} error(s), {len(warnings)} warning(s) in {seconds:.1f}s")
    return 1 if errors else 0
