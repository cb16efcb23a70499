"""`make coverage`: examples and cross-validation F1 of every intent in every variety.

Prints a table intent × variety (ary_arab, ary_latn, ar, fr, mixed) where each cell is the number of
training examples and the F1 of that intent on that variety's held-out folds, and writes it as
``reports/nlu_coverage.html`` with the confusion-matrix picture. The F1 comes from the latest
cross-validation report of the current data (``reports/nlu_eval_*.json`` written by `make eval` or
by this command) when one matches the data; otherwise a k-fold cross-validation is run first
(``--folds``, default 2; about 3 minutes per fold on 2 cores).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.settings import ROOT

REPORTS = ROOT / "reports"
VARIETIES = ("ary_arab", "ary_latn", "ar", "fr", "mixed")
MINIMUM = 15  # bot.checks.MIN_EXAMPLES for the four main varieties
WEAK_F1 = 0.8


@dataclass(frozen=True)
class Cell:
    count: int
    f1: float | None


def data_fingerprint(root: Path = ROOT) -> str:
    """SHA-256 of the NLU training files (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted((root / "data" / "nlu").rglob("*.yml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def example_counts(root: Path = ROOT) -> Counter:
    """(intent, variety) → number of training examples."""
    from bot.nlu.training_examples import project_examples

    return Counter((e.intent, e.variety) for e in project_examples(root))


def matches_data(
    report: dict, counts: Counter, fingerprint: str, report_path: Path, root: Path = ROOT
) -> bool:
    """True when a cross-validation report was computed on exactly the current training data."""
    if "data_fingerprint" in report:
        return report["data_fingerprint"] == fingerprint
    # older reports carry no fingerprint: same example counts per variety and newer than every file
    per_variety = Counter()
    for (_, variety), n in counts.items():
        per_variety[variety] += n
    same_counts = all(report["varieties"].get(v, {}).get("n", 0) == n for v, n in per_variety.items())
    newest = max((p.stat().st_mtime for p in (root / "data" / "nlu").rglob("*.yml")), default=0)
    return (
        same_counts
        and report.get("examples") == sum(counts.values())
        and report_path.stat().st_mtime > newest
    )


def cell_f1(counts: Counter, errors: list[dict]) -> dict[tuple[str, str], float]:
    """F1 of each (intent, variety) from a cross-validation report that covered every example.

    The report lists only wrong predictions; every other example was predicted right, so
    true positives = examples − misses, and false positives are other intents' examples predicted as it.
    """
    missed, wrongly_given = Counter(), Counter()
    for error in errors:
        missed[(error["intent"], error["variety"])] += 1
        wrongly_given[(error["predicted"], error["variety"])] += 1
    scores = {}
    for key, count in counts.items():
        true_positives = count - missed[key]
        denominator = 2 * true_positives + missed[key] + wrongly_given[key]
        scores[key] = round(2 * true_positives / denominator, 3) if denominator else 0.0
    return scores


def latest_report(counts: Counter, fingerprint: str) -> tuple[dict, Path] | None:
    """The newest full cross-validation report that matches the data, if any."""
    candidates = sorted(REPORTS.glob("nlu_eval_*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in candidates:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if report.get("name") not in ("project", "coverage") or report.get("partial"):
            continue
        if matches_data(report, counts, fingerprint, path):
            return report, path
    return None


def run_cross_validation(folds: int, fingerprint: str) -> tuple[dict, Path]:
    """k-fold cross-validation of the project pipeline on the current data (every fold)."""
    from scripts.evaluate_nlu import evaluate, plot_confusion, variant_config
    from scripts.retrain_check import quiet_rasa_logs

    quiet_rasa_logs()  # no per-message debug lines from Rasa's parser
    with tempfile.TemporaryDirectory() as tmp:
        report = evaluate(variant_config("project", Path(tmp)), folds, "coverage")
    report["data_fingerprint"] = fingerprint
    report["folds"] = folds
    path = REPORTS / f"nlu_eval_coverage_{folds}fold.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    plot_confusion(report, path.with_name(f"nlu_confusion_coverage_{folds}fold.png"))
    return report, path


def table(counts: Counter, scores: dict) -> dict[str, dict[str, Cell]]:
    intents = sorted({intent for intent, _ in counts})
    return {i: {v: Cell(counts[(i, v)], scores.get((i, v))) for v in VARIETIES} for i in intents}


def print_table(rows: dict[str, dict[str, Cell]]) -> None:
    width = max(len(i) for i in rows) + 2
    print(f"{'intent':<{width}}" + "".join(f"{v:>14}" for v in VARIETIES))
    for intent, cells in rows.items():
        line = f"{intent:<{width}}"
        for cell in cells.values():
            f1 = f"{cell.f1:.2f}" if cell.f1 is not None and cell.count else "-"
            line += f"{f'{cell.count} / {f1}':>14}"
        print(line)
    print("cells: training examples / cross-validation F1 of that intent on that variety")


def write_html(rows: dict[str, dict[str, Cell]], source: Path, picture: Path | None, out: Path) -> None:
    """The table as a page; weak cells (too few examples, low F1) are highlighted."""

    def cell(variety: str, c: Cell) -> str:
        few = variety != "mixed" and c.count < MINIMUM
        weak = c.f1 is not None and c.count and c.f1 < WEAK_F1
        css = "few" if few else "weak" if weak else ""
        f1 = f"{c.f1:.2f}" if c.f1 is not None and c.count else "–"
        return f'<td class="{css}">{c.count} <span>/ {f1}</span></td>'

    head = "".join(f"<th>{html.escape(v)}</th>" for v in VARIETIES)
    body = "\n".join(
        f"<tr><th>{html.escape(intent)}</th>{''.join(cell(v, c) for v, c in cells.items())}</tr>"
        for intent, cells in rows.items()
    )
    image = (
        f'<h2>Confusion matrix</h2><img src="{html.escape(picture.name)}" alt="confusion matrix">'
        if picture
        else ""
    )
    out.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>NLU coverage</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 10px;text-align:right}}th{{text-align:left}}
td span{{color:#555}}.few{{background:#f8d7da}}.weak{{background:#fff3cd}}img{{max-width:100%}}</style>
</head><body>
<h1>NLU coverage: intent × variety</h1>
<p>Each cell: training examples / F1 of the intent on that variety in cross-validation
(<code>{html.escape(source.name)}</code>). Red: fewer than {MINIMUM} examples; yellow: F1 below {WEAK_F1}.</p>
<table><tr><th>intent</th>{head}</tr>
{body}
</table>
{image}
</body></html>
""",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=2, help="folds of the cross-validation run when needed")
    parser.add_argument(
        "--rerun", action="store_true", help="run a cross-validation even if a report matches"
    )
    args = parser.parse_args(argv)
    REPORTS.mkdir(exist_ok=True)
    counts, fingerprint = example_counts(), data_fingerprint()
    found = None if args.rerun else latest_report(counts, fingerprint)
    if found is None:
        print(f"no cross-validation report of the current data: running {args.folds}-fold cross-validation…")
        found = run_cross_validation(args.folds, fingerprint)
    report, source = found
    print(f"F1 from {source.relative_to(ROOT)}")
    rows = table(counts, cell_f1(counts, report["errors"]))
    print_table(rows)
    picture = source.with_name(source.name.replace("nlu_eval_", "nlu_confusion_").replace(".json", ".png"))
    if not picture.exists():
        from scripts.evaluate_nlu import plot_confusion

        picture = REPORTS / "nlu_coverage_confusion.png"
        plot_confusion(report, picture)
    out = REPORTS / "nlu_coverage.html"
    write_html(rows, source, picture, out)
    print(f"{out.relative_to(ROOT)} written")


if __name__ == "__main__":
    main()
