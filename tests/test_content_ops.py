"""Content operations: the Babel extractor and update guard, the held-out set, retrain-check's comparison."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.i18n import extract
from bot.i18n.safe_update import accept, compare
from scripts import build_holdout, retrain_check

ROOT = Path(__file__).resolve().parents[1]

DOMAIN = """\
version: "3.1"
responses:
  utter_greet:
    - text: utter_greet
      buttons:
        - title: btn_lang_fr
          payload: /choose_language
  utter_handoff_queued:
    - text: utter_handoff_queued
  utter_brand_new:
    - text: utter_brand_new
"""


def _po(path: Path, entries: dict[str, str], notes: dict[str, str] | None = None) -> None:
    catalog = Catalog(locale=None)
    for key, text in entries.items():
        catalog.add(key, text, auto_comments=[notes[key]] if notes and key in notes else [])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


@pytest.fixture()
def locales(tmp_path: Path) -> Path:
    """Two domains in four locales: messages holds utter_greet, handoff holds utter_handoff_queued."""
    for locale in ("ary", "ary_Latn", "ar", "fr"):
        base = tmp_path / "locales" / locale / "LC_MESSAGES"
        _po(base / "messages.po", {"utter_greet": f"salam {locale}", "btn_lang_fr": "Français"},
            {"utter_greet": "Greeting"} if locale == "fr" else None)  # fmt: skip
        _po(base / "handoff.po", {"utter_handoff_queued": f"queued {locale}"})
    extract.catalogue_index.cache_clear()
    yield tmp_path / "locales"
    extract.catalogue_index.cache_clear()


def _extract(function, text: str, options: dict) -> list[tuple]:
    return list(function(io.BytesIO(text.encode()), [], [], options))


def test_domain_extractor_yields_texts_and_button_titles_with_lines(locales):
    found = _extract(extract.extract_domain_yml, DOMAIN, {"locales_dir": str(locales)})
    assert [(line, key) for line, _, key, _ in found] == [
        (4, "utter_greet"), (6, "btn_lang_fr"), (9, "utter_handoff_queued"), (11, "utter_brand_new"),
    ]  # fmt: skip


def test_domain_extractor_keeps_each_key_in_its_catalogue_domain(locales):
    messages = _extract(
        extract.extract_domain_yml, DOMAIN, {"domain": "messages", "locales_dir": str(locales)}
    )
    handoff = _extract(extract.extract_domain_yml, DOMAIN, {"domain": "handoff", "locales_dir": str(locales)})
    assert [key for _, _, key, _ in messages] == ["utter_greet", "btn_lang_fr", "utter_brand_new"]
    assert [key for _, _, key, _ in handoff] == ["utter_handoff_queued"]


def test_translator_notes_are_carried_into_the_template(locales):
    found = _extract(extract.extract_domain_yml, DOMAIN, {"domain": "messages", "locales_dir": str(locales)})
    assert found[0][3] == ["Greeting"] and found[1][3] == []


def test_declared_keys_extractor_reads_keys_yml_and_the_content_it_names():
    handle = io.BytesIO((ROOT / "locales" / "keys.yml").read_bytes())
    handle.name = str(ROOT / "locales" / "keys.yml")
    found = list(extract.extract_declared_keys(handle, [], [], {}))
    keys = {key: line for line, _, key, _ in found}
    assert "center_results_header" in keys and "center_type_women" in keys  # listed, one per type
    assert keys["center_results_header"] > 1
    assert "elig_title_elderly_admission" in keys  # from data/eligibility


def test_declared_keys_extractor_keeps_each_key_in_its_catalogue_domain(locales, tmp_path):
    keys_file = tmp_path / "keys.yml"
    keys_file.write_text("keys:\n  a:\n    - utter_greet\n    - utter_handoff_queued\n", encoding="utf-8")
    handle = io.BytesIO(keys_file.read_bytes())
    handle.name = str(keys_file)
    options = {"domain": "handoff", "locales_dir": str(locales), "root": str(tmp_path)}
    assert [(line, key) for line, _, key, _ in extract.extract_declared_keys(handle, [], [], options)] == [
        (4, "utter_handoff_queued")
    ]


def test_pybabel_extract_with_the_project_mapping_finds_every_required_key(tmp_path):
    """The real command of `make i18n-extract`: every key `make validate` requires is in a template."""
    from bot.i18n.catalogs import catalog_domains
    from bot.i18n.keys import used_keys

    keys: set[str] = set()
    for domain in catalog_domains():
        out = tmp_path / f"{domain}.pot"
        subprocess.run(
            [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg", "--no-location",
             "-o", str(out), "."],
            cwd=ROOT, check=True, env={**__import__("os").environ, "JISR_I18N_DOMAIN": domain, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        keys |= {
            line[7:-1] for line in out.read_text(encoding="utf-8").splitlines() if line.startswith('msgid "')
        }
    required = set(used_keys(ROOT))
    assert required - keys == set()


def test_update_guard_accepts_new_empty_entries_and_refuses_lost_translations(tmp_path, locales):
    copy = tmp_path / "copy"
    shutil.copytree(locales, copy)
    fr = copy / "fr" / "LC_MESSAGES"
    _po(fr / "messages.po", {"utter_greet": "salam fr", "btn_lang_fr": "Français", "utter_brand_new": ""})
    _po(fr / "handoff.po", {"utter_handoff_queued": "changed!"})
    change = compare(locales / "fr" / "LC_MESSAGES" / "messages.po", fr / "messages.po")
    assert change.added == ["utter_brand_new"] and not (change.changed or change.lost or change.obsolete)
    assert accept(copy, locales) == 1  # handoff.po was refused…
    assert (
        "utter_brand_new" in (locales / "fr" / "LC_MESSAGES" / "messages.po").read_text()
    )  # …messages.po kept
    assert "queued fr" in (locales / "fr" / "LC_MESSAGES" / "handoff.po").read_text()


def test_update_guard_refuses_to_switch_off_keys_unless_allowed(tmp_path, locales):
    copy = tmp_path / "copy"
    shutil.copytree(locales, copy)
    updated = copy / "ar" / "LC_MESSAGES" / "messages.po"
    updated.write_text(
        updated.read_text(encoding="utf-8").replace('msgid "btn_lang_fr"\nmsgstr "Français"', '#~ msgid "btn_lang_fr"\n#~ msgstr "Français"'),
        encoding="utf-8",
    )  # fmt: skip
    assert compare(locales / "ar" / "LC_MESSAGES" / "messages.po", updated).obsolete == ["btn_lang_fr"]
    assert accept(copy, locales) == 1
    assert accept(copy, locales, allow_obsolete=True) == 0


# --------------------------------------------------------------------------- held-out set, retrain-check


def test_holdout_files_are_not_training_examples():
    from bot.nlu.training_examples import project_examples
    from bot.text.normalization import normal_form

    training = {normal_form(e.text) for e in project_examples(ROOT)}
    held_out = retrain_check.holdout_examples()
    assert {v for _, _, v in held_out} >= {"ary_arab", "ary_latn", "ar", "fr"}
    assert len(held_out) >= 200
    assert [t for t, _, _ in held_out if normal_form(t) in training] == []


def test_story_names_give_the_variety():
    assert build_holdout.variety_of_story("social_aid, darija latin script (2)") == "ary_latn"
    assert build_holdout.variety_of_story("goodbye - modern standard arabic") == "ar"
    assert build_holdout.variety_of_story("no variety here") is None


def test_macro_f1_per_variety():
    scores = retrain_check.macro_f1_by_variety(
        ["a", "b", "a", "b"], ["a", "b", "b", "b"], ["fr", "fr", "ar", "ar"]
    )
    assert scores["fr"] == 1.0
    assert scores["ar"] == pytest.approx(1 / 3, abs=1e-4)  # a: F1 0, b: F1 2/3 (precision 1/2, recall 1)
    assert scores["all"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)


def test_comparison_refuses_a_drop_larger_than_the_margin():
    changes, regressions = retrain_check.compare({"fr": 0.80, "ar": 0.85}, {"fr": 0.775, "ar": 0.84}, 0.02)
    assert [c.variety for c in regressions] == ["fr"]
    assert {c.variety: c.delta for c in changes} == {"ar": -0.01, "fr": -0.025}
    assert retrain_check.compare({"fr": 0.80}, {"fr": 0.78}, 0.02)[1] == []  # exactly the margin: accepted
    assert [c.variety for c in retrain_check.compare({"fr": 0.8}, {}, 0.02)[1]] == ["fr"]  # vanished


def test_saved_real_evaluations_are_compared(tmp_path, capsys):
    """`make eval` outputs: no-dense vs project (2 folds) stay within 0.02 per variety, not within 0.01."""
    before, after = (
        ROOT / "reports" / "nlu_eval_project_2fold.json",
        ROOT / "reports" / "nlu_eval_no-dense_2fold.json",
    )
    args = ["--before", str(before), "--after", str(after)]
    assert retrain_check.main([*args, "--margin", "0.02"]) == 0
    assert retrain_check.main([*args, "--margin", "0.01"]) == 1
    out = capsys.readouterr().out
    assert "REFUSED" in out and "ary_latn" in out
    mine = tmp_path / "after.json"
    mine.write_text(json.dumps({"macro_f1": {"fr": 0.5}}))
    assert retrain_check.main(["--before", str(before), "--after", str(mine)]) == 1


def test_holdout_yaml_is_valid_rasa_nlu(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    text = build_holdout.holdout_yaml(
        "fr", [("je veux un centre à [Rabat](city)", "find_center"), ("merci", "thank")]
    )
    path = tmp_path / "fr.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    examples = load_data(str(path)).intent_examples
    assert [(e.get("text"), e.get("intent")) for e in examples] == [
        ("je veux un centre à Rabat", "find_center"), ("merci", "thank"),
    ]  # fmt: skip


# --------------------------------------------------------------------------- coverage


def test_cell_f1_from_the_errors_of_a_full_cross_validation():
    from collections import Counter

    from scripts.coverage_report import cell_f1

    counts = Counter({("greet", "fr"): 10, ("thank", "fr"): 10, ("greet", "ar"): 5})
    errors = [
        {"intent": "greet", "variety": "fr", "predicted": "thank", "text": "x"},
        {"intent": "greet", "variety": "fr", "predicted": "nlu_fallback", "text": "y"},
    ]
    scores = cell_f1(counts, errors)
    assert scores[("greet", "fr")] == round(2 * 8 / (2 * 8 + 2), 3)  # 8 right, 2 missed
    assert scores[("thank", "fr")] == round(2 * 10 / (2 * 10 + 1), 3)  # 1 greet taken for thank
    assert scores[("greet", "ar")] == 1.0


def test_an_old_report_of_other_data_is_not_reused(tmp_path):
    from collections import Counter

    from scripts.coverage_report import data_fingerprint, example_counts, matches_data

    counts = example_counts()
    report = json.loads((ROOT / "reports" / "nlu_eval_project_2fold.json").read_text(encoding="utf-8"))
    path = tmp_path / "r.json"
    path.write_text("{}")
    assert matches_data({**report, "data_fingerprint": data_fingerprint()}, counts, data_fingerprint(), path)
    assert not matches_data({**report, "data_fingerprint": "0" * 64}, counts, data_fingerprint(), path)
    smaller = Counter({k: v for k, v in counts.items() if k[0] != "greet"})
    assert not matches_data(report, smaller, data_fingerprint(), path)  # counts differ


def test_coverage_page_has_every_intent_and_variety(tmp_path):
    from collections import Counter

    from scripts.coverage_report import VARIETIES, table, write_html

    rows = table(
        Counter({("greet", "fr"): 20, ("greet", "ar"): 3}), {("greet", "fr"): 0.95, ("greet", "ar"): 0.5}
    )
    out = tmp_path / "coverage.html"
    write_html(rows, Path("nlu_eval_x.json"), Path("nlu_confusion_x.png"), out)
    page = out.read_text(encoding="utf-8")
    assert all(f"<th>{v}</th>" in page for v in VARIETIES)
    assert '<td class="">20 <span>/ 0.95</span></td>' in page
    assert '<td class="few">3 <span>/ 0.50</span></td>' in page  # fewer than 15 examples
    assert '<img src="nlu_confusion_x.png"' in page
