"""The environment contract (``deploy/environment.yml``): which variable each process needs.

One file lists every variable of the production deployment, the processes that require or
merely read it, and whether it is a secret. ``make deploy-check`` holds the Kubernetes manifests
and compose.yaml to it, so that a variable a process needs (the erase hook's ``HANDOFF_DB_URL``
in the Rasa pod, for instance) cannot silently be missing and fall back to a pod-local file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.settings import ROOT

CONTRACT_FILE = ROOT / "deploy" / "environment.yml"
_FIELDS = {"required", "optional", "secret", "embedded", "meaning"}


@dataclass(frozen=True)
class Variable:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    secret: bool
    embedded: str
    meaning: str

    @property
    def processes(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass(frozen=True)
class Contract:
    processes: dict[str, str]
    variables: dict[str, Variable]
    #: Variables only the one-machine profiles, tools or tests read (name → why), never a deployment.
    local_only: dict[str, str] = field(default_factory=dict)
    #: Variables listed above that Rasa, Sanic, libpq, the image or the tests read, never the
    #: assistant's code (name → reader); every other one is a field of :class:`bot.settings.Settings`.
    read_elsewhere: dict[str, str] = field(default_factory=dict)

    def required_by(self, process: str) -> list[str]:
        """Names every container running ``process`` must receive."""
        return sorted(name for name, var in self.variables.items() if process in var.required)

    def secrets(self) -> set[str]:
        return {name for name, var in self.variables.items() if var.secret}

    @classmethod
    def load(cls, path: Path = CONTRACT_FILE) -> Contract:
        """Reads and checks the file; an unknown process or field is an error naming the variable."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        processes = {str(k): str(v) for k, v in (data.get("processes") or {}).items()}
        variables: dict[str, Variable] = {}
        for name, spec in (data.get("variables") or {}).items():
            if not isinstance(spec, dict) or set(spec) - _FIELDS:
                raise ValueError(f"{path}: {name}: fields must be among {sorted(_FIELDS)}")
            required = tuple(spec.get("required") or ())
            optional = tuple(spec.get("optional") or ())
            unknown = set(required + optional) - set(processes)
            if unknown:
                raise ValueError(f"{path}: {name}: unknown process(es) {sorted(unknown)}")
            if not isinstance(spec.get("secret"), bool):
                raise ValueError(f"{path}: {name}: 'secret' must be true or false")
            variables[name] = Variable(
                name,
                required,
                optional,
                spec["secret"],
                str(spec.get("embedded", "")),
                str(spec.get("meaning", "")),
            )
        local_only = {str(k): str(v) for k, v in (data.get("local_only") or {}).items()}
        both = set(local_only) & set(variables)
        if both:
            raise ValueError(f"{path}: {sorted(both)} listed both as variables and as local_only")
        read_elsewhere = {str(k): str(v) for k, v in (data.get("read_elsewhere") or {}).items()}
        unlisted = set(read_elsewhere) - set(variables) - set(local_only)
        if unlisted:
            raise ValueError(
                f"{path}: read_elsewhere names {sorted(unlisted)}, listed neither as variables nor local_only"
            )
        return cls(processes, variables, local_only, read_elsewhere)

    def markdown(self) -> str:
        """docs/environment.md: one table, rendered from the contract."""
        lines = [
            "# Environment contract",
            "",
            "Rendered from `deploy/environment.yml` by `python -m scripts.deploy_check --write-docs`; edit that",
            "file, not this one. `make deploy-check` verifies that every container in `deploy/k8s/` and every",
            "service in `compose.yaml` receives each variable its process requires, and that secrets come",
            "only from a Secret (Kubernetes) or the secrets env file (compose).",
            "",
            "| process | what |",
            "|---|---|",
            *(f"| `{name}` | {what} |" for name, what in self.processes.items()),
            "",
            "| variable | required by | read by (optional) | secret | embedded profile (`make run`) | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for var in self.variables.values():
            lines.append(
                f"| `{var.name}` | {', '.join(var.required) or '—'} | {', '.join(var.optional) or '—'} "
                f"| {'yes' if var.secret else 'no'} | {var.embedded} | {var.meaning} |"
            )
        lines += [
            "",
            "Read only by `make run`, `make run-prod`, tools or tests, never set in a deployment:",
            "",
            "| variable | why |",
            "|---|---|",
            *(f"| `{name}` | {why} |" for name, why in self.local_only.items()),
        ]
        return "\n".join(lines) + "\n"
