"""`make validate`'s content checks catch each broken fixture and pass clean ones."""

import shutil
from pathlib import Path

from bot.checks import check_examples, check_files

ROOT = Path(__file__).resolve().parents[1]

BLOCK = """
- intent: greet
  metadata:
    variety: {variety}
  examples: |
{examples}
"""


def _nlu(tmp_path: Path, per_variety: int, extra: str = "") -> Path:
    text = 'version: "3.1"\nnlu:\n'
    for variety in ("ary_arab", "ary_latn", "ar", "fr"):
        examples = "\n".join(f"    - salam {variety} {i}" for i in range(per_variety))
        text += BLOCK.format(variety=variety, examples=examples)
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "nlu" / "greet.yml").write_text(text + extra, encoding="utf-8")
    return tmp_path


def test_enough_examples_and_aligned_entities_pass(tmp_path):
    assert check_examples(_nlu(tmp_path, 15)) == []


def test_too_few_examples_in_a_variety_is_an_error(tmp_path):
    problems = [p.text for p in check_examples(_nlu(tmp_path, 14))]
    assert len(problems) == 4
    assert "intent 'greet' has 14 examples in variety 'ary_arab' (minimum 15)" in problems[0]


def test_entity_inside_a_word_is_reported_with_its_line(tmp_path):
    extra = """
- intent: find_center
  metadata:
    variety: ary_arab
  examples: |
    - فين كاين مركز ف[طنجة](city)
"""
    problems = [
        p
        for p in check_examples(_nlu(tmp_path, 15, extra), minimum=0)
        if "does not cover whole words" in p.text
    ]
    assert len(problems) == 1
    assert problems[0].file == "data/nlu/greet.yml" and problems[0].line > 0


def test_project_files_pass():
    assert check_files(ROOT) == []


def test_broken_directory_and_catalogue_are_reported(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    csv = tmp_path / "data" / "centers" / "sample_centers.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][: lines[1].rindex(",")] + ",true"  # verified without a source URL
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    service = next((tmp_path / "data" / "services").glob("disability_card.yml"))
    service.write_text(
        service.read_text(encoding="utf-8").replace("topic: disability", "topic: sport"), encoding="utf-8"
    )
    texts = [f"{p.file}:{p.line}: {p.text}" for p in check_files(tmp_path)]
    assert any("sample_centers.csv:2: a verified row needs a source URL" in t for t in texts)
    assert any("disability_card.yml:0: unknown topic 'sport'" in t for t in texts)
