"""Training is skipped only when no input changed."""

from pathlib import Path

from bot.training import INPUTS, inputs_fingerprint


def _project(tmp_path: Path) -> Path:
    for entry in INPUTS:
        path = tmp_path / entry
        if entry.endswith(".yml"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# {entry}\n")
        else:
            path.mkdir(parents=True, exist_ok=True)
            (path / "a.yml").write_text("x: 1\n")
    return tmp_path


def test_fingerprint_changes_with_any_input(tmp_path):
    root = _project(tmp_path)
    before = inputs_fingerprint(root)
    assert inputs_fingerprint(root) == before
    (root / "data" / "nlu" / "a.yml").write_text("x: 2\n")
    changed = inputs_fingerprint(root)
    assert changed != before
    (root / "data" / "rules" / "new.yml").write_text("y: 1\n")
    assert inputs_fingerprint(root) != changed


def test_bytecode_caches_do_not_count(tmp_path):
    root = _project(tmp_path)
    before = inputs_fingerprint(root)
    (root / "bot" / "nlu" / "__pycache__").mkdir()
    (root / "bot" / "nlu" / "__pycache__" / "m.cpython-310.pyc").write_bytes(b"\0")
    assert inputs_fingerprint(root) == before


def test_content_that_training_does_not_read_does_not_count(tmp_path):
    root = _project(tmp_path)
    before = inputs_fingerprint(root)
    (root / "data" / "services").mkdir(parents=True)
    (root / "data" / "services" / "x.yml").write_text("id: x\n")
    assert inputs_fingerprint(root) == before
