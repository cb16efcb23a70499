"""`make validate`: the project's content checks, each problem printed once as ``file:line: …``.

Rasa's own data validation (run in-process by bot.validation, located and with fix hints),
translations in every locale, examples per intent and variety, entity annotations aligned with
tokens, the centres directory, the services catalogue, the gazetteer, the danger terms, duplicate
examples across intents, unused responses and stories that contradict rules. Exit code 1 on any
error; warnings are listed separately. docs/content-guide.md explains every message.
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bot.i18n.check import Problem, check_catalogs
from bot.settings import ROOT

MIN_EXAMPLES = 15
MAIN_VARIETIES = ("ary_arab", "ary_latn", "ar", "fr")


def check_examples(root: Path = ROOT, minimum: int = MIN_EXAMPLES) -> list[Problem]:
    """Every intent has ``minimum`` examples in each main variety; annotations match token bounds."""
    from rasa.shared.nlu.constants import METADATA, METADATA_INTENT
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.normalizing_tokenizer import NormalizingTokenizer

    problems: list[Problem] = []
    tokenizer = NormalizingTokenizer(NormalizingTokenizer.get_default_config())
    counts: Counter = Counter()
    intents: set[str] = set()
    declared = declared_entities(root)
    for path in sorted((root / "data" / "nlu").rglob("*.yml")):
        rel = str(path.relative_to(root))
        lines = path.read_text(encoding="utf-8").splitlines()
        for example in load_data(str(path)).intent_examples:
            intent = example.get("intent")
            intents.add(intent)
            variety = ((example.get(METADATA) or {}).get(METADATA_INTENT) or {}).get("variety")
            counts[(intent, variety)] += 1
            entities = example.get("entities") or []
            for entity in entities:
                if declared is not None and entity["entity"] not in declared:
                    line = _line_of(lines, example.get("text")[entity["start"] : entity["end"]])
                    problems.append(
                        Problem(rel, line, "error",
                                f"entity '{entity['entity']}' is not declared under 'entities' in domain.yml: "
                                f"declare it there (and a slot if the dialogue uses it) or fix the annotation")
                    )  # fmt: skip
            if entities:
                tokens = tokenizer.tokenize(example, "text")
                starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
                for entity in entities:
                    if entity["start"] not in starts or entity["end"] not in ends:
                        line = _line_of(lines, example.get("text")[entity["start"] : entity["end"]])
                        problems.append(
                            Problem(rel, line, "error",
                                    f"entity '{entity['entity']}' does not cover whole words in "
                                    f"{example.get('text')!r}: put attached letters inside the brackets")
                        )  # fmt: skip
    for intent in sorted(intents):
        for variety in MAIN_VARIETIES:
            if counts[(intent, variety)] < minimum:
                problems.append(
                    Problem("data/nlu", 0, "error",
                            f"intent '{intent}' has {counts[(intent, variety)]} examples in variety '{variety}' "
                            f"(minimum {minimum}): add examples to its topic file")
                )  # fmt: skip
    return problems


def declared_entities(root: Path = ROOT) -> set[str] | None:
    """The entity names domain.yml declares (``None`` when there is no domain to check against)."""
    path = root / "domain.yml"
    if not path.exists():
        return None
    domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {next(iter(e)) if isinstance(e, dict) else str(e) for e in domain.get("entities") or []}


def _line_of(lines: list[str], fragment: str) -> int:
    return next((n for n, line in enumerate(lines, start=1) if fragment and fragment in line), 0)


def check_files(root: Path = ROOT) -> list[Problem]:
    """Directory, catalogue, gazetteer, danger terms and fact patterns load without errors."""
    from bot.content_errors import ContentError
    from bot.eligibility.facts_from_text import FactPatternsError, load_patterns
    from bot.eligibility.validate import validate_eligibility
    from bot.geo.directory import load_directory
    from bot.geo.gazetteer import Gazetteer, GazetteerError
    from bot.nlu.danger_terms import DangerTerms, DangerTermsError
    from bot.services.catalogue import check_intents, load_catalogue

    def catalogue() -> None:
        loaded = load_catalogue(root / "data" / "services")
        if (root / "domain.yml").exists():
            domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8")) or {}
            known = {next(iter(i)) if isinstance(i, dict) else str(i) for i in domain.get("intents") or []}
            check_intents(loaded, known, root / "data" / "services")

    problems: list[Problem] = []
    for check in (
        lambda: load_directory(root / "data" / "centers"),
        catalogue,
        lambda: Gazetteer.load(root / "data" / "gazetteer" / "cities.yml"),
        lambda: DangerTerms.load(root / "data" / "safety" / "danger_terms.yml"),
        lambda: validate_eligibility(root),  # data/eligibility: rules, sources, translations
        lambda: _fact_patterns(root, load_patterns),
    ):
        try:
            check()
        except ContentError as error:
            problems.extend(_problem(text) for text in error.problems)
        except (GazetteerError, DangerTermsError, FactPatternsError) as error:
            problems.append(_problem(str(error)))
    return problems


def _fact_patterns(root: Path, load: Any) -> None:
    """The fact phrases load when the project has them (without them every question is asked)."""
    path = root / "data" / "eligibility" / "facts" / "patterns.yml"
    if path.exists():
        load(path)


def _problem(text: str) -> Problem:
    """``file:line: message`` (or ``file: message``) → an error ``Problem``."""
    head, _, message = text.partition(": ")
    file, _, line = head.partition(":")
    return Problem(file, int(line) if line.isdigit() else 0, "error", message or text)


def _hide_library_deprecations() -> None:
    """Drops deprecation notices at display time: libraries loaded by the checks (TensorFlow,
    pkg_resources) rewrite the warning filters while they load, so a filter set here would not hold."""
    show = warnings.showwarning

    def quiet(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if not issubclass(category, (DeprecationWarning, PendingDeprecationWarning)):
            show(message, category, *args, **kwargs)

    warnings.showwarning = quiet


def main() -> None:
    """Prints errors, then warnings, each once; exit 1 on errors.

    Libraries' deprecation notices are not shown: the output holds only the content's problems.
    """
    _hide_library_deprecations()
    from bot.validation.facts import check_facts
    from bot.validation.report import print_report, project_checks

    problems = check_catalogs(ROOT) + check_examples() + check_files() + check_facts(ROOT)
    problems += project_checks(ROOT)  # Rasa's validation, duplicates, unused responses, stories vs rules
    sys.exit(print_report(problems))


if __name__ == "__main__":
    main()
