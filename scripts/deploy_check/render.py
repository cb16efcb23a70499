"""Renders a kustomize directory into Kubernetes objects with ``kubectl kustomize`` (no cluster)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml


class RenderError(RuntimeError):
    """kustomize refused the tree, or kubectl is not installed."""


def kustomize_command() -> list[str]:
    """kubectl's built-in kustomize, or a standalone ``kustomize``."""
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    raise RenderError(
        "neither kubectl nor kustomize is installed: kubectl (which embeds kustomize) is needed to "
        "render deploy/k8s offline"
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
    args = ["kubectl", "version", "--client"] if command[0] == "kubectl" else ["kustomize", "version"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=30)
    return " ".join(result.stdout.split())
