"""Content checks that `make validate` runs, here as tests."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.training import ROOT, TRAINING_DATA


def test_rasa_data_validate_passes_without_warnings() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings", "--config", "config.yml",
         "--domain", "domain.yml", "--data", *TRAINING_DATA],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    rasa_warnings = [line for line in output.splitlines() if "UserWarning" in line]
    assert rasa_warnings == []
