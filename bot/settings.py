"""Where the assistant is installed: the repository root every data, model and var path hangs from."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
