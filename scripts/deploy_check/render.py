"""Renders a kustomize directory into Kubernetes objects with ``kubectl kustomize`` (no cluster)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from bot.settings import ROOT

#: Where scripts/ensure_kubectl.sh puts kubectl on a machine that has none.
LOCAL_KUBECTL = ROOT / "var" / "bin" / "kubectl"


class RenderError(RuntimeError):
    """kustomize refused the tree, or kubectl is not installed."""


def kubectl() -> str | None:
    """kubectl on the PATH, else the one scripts/ensure_kubectl.sh installed."""
    return shutil.which("kubectl") or (str(LOCAL_KUBECTL) if LOCAL_KUBECTL.is_file() else None)


def kustomize_command() -> list[str]:
    """kubectl's built-in kustomize, or a standalone ``kustomize``."""
    if kubectl():
        return [kubectl(), "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    raise RenderError(
        "neither kubectl nor kustomize is installed: run scripts/ensure_kubectl.sh (make deploy-check "
        "does), or install kubectl, which embeds kustomize"
    )


def render(directory: Path) -> list[dict]:
    """Every object of the kustomization in ``directory``, in kustomize's output order."""
    command = [*kustomize_command(), str(directory)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RenderError(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return [obj for obj in yaml.safe_load_all(result.stdout) if obj]


def kustomize_version() -> str:
    command = kustomize_command()
    args = [command[0], "version", "--client"] if command[1] == "kustomize" else ["kustomize", "version"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=30)
    return " ".join(result.stdout.split())
