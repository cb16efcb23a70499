"""Train the Rasa model only when its inputs changed (used by `make train` and `make run`).

Rasa's own fingerprint ignores files our components read at training time (safety terms,
gazetteer), so we hash every input ourselves and force a full training when any changed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT

MODEL_DIR = ROOT / "models"
MODEL_NAME = "jisr"
MODEL_FILE = MODEL_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_FILE = MODEL_DIR / f"{MODEL_NAME}.inputs.sha256"
TRAINING_DATA = ("data/nlu", "data/rules", "data/stories")
INPUTS = (
    "config.yml", "domain.yml", *TRAINING_DATA, "data/safety", "data/gazetteer", "data/fallback", "bot/nlu",
    "bot/text",  # normalisation and numbers the NLU components apply to every example
)  # fmt: skip


def inputs_fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the paths and contents of every training input."""
    digest = hashlib.sha256()
    for entry in INPUTS:
        path = root / entry
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.name.endswith(".pyc"):
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def needs_training() -> bool:
    """True when there is no model or its inputs changed since it was trained."""
    if not MODEL_FILE.exists() or not FINGERPRINT_FILE.exists():
        return True
    return FINGERPRINT_FILE.read_text().strip() != inputs_fingerprint()


def train(force: bool = False) -> int:
    """Runs `rasa train` when needed; returns its exit code (0 when nothing to do)."""
    if not force and not needs_training():
        print(f"Model {MODEL_FILE.relative_to(ROOT)} is up to date.")
        return 0
    fingerprint = inputs_fingerprint()
    command = [
        sys.executable, "-m", "rasa", "train", "--force",
        "--config", "config.yml", "--domain", "domain.yml",
        "--data", *TRAINING_DATA,
        "--out", str(MODEL_DIR), "--fixed-model-name", MODEL_NAME,
    ]  # fmt: skip
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode == 0:
        FINGERPRINT_FILE.write_text(fingerprint + "\n")
    return result.returncode


def main() -> None:
    """CLI: ``python -m bot.training [--force] [--check]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    parser.add_argument("--check", action="store_true", help="exit 1 if training is needed")
    args = parser.parse_args()
    if args.check:
        sys.exit(1 if needs_training() else 0)
    sys.exit(train(force=args.force))


if __name__ == "__main__":
    main()
