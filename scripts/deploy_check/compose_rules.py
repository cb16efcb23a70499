"""Rules on compose.yaml (single host): the same promises as on Kubernetes, in compose's terms.

Services of the assistant carry the label ``app.kubernetes.io/component`` naming their process of
deploy/environment.yml; the backing services (PostgreSQL, Redis, RabbitMQ) carry none. Secret
variables come only from env files whose name ends in ``secrets.env`` (ignored by git; the
checked-in ``secrets.env.example`` lists the keys).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.ops.environment import Contract
from scripts.deploy_check.kube_rules import COMPONENT_LABEL, SECRET_NAME

LONG_RUNNING = {"rasa", "actions", "console"}
MAY_PUBLISH = {"rasa", "console"}
ROOT_USERS = {"0", "root"}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _env_file_keys(path: Path) -> dict[str, str]:
    """KEY=value lines of an env file; a missing secrets file is read from its ``.example``."""
    if not path.exists() and path.name.endswith("secrets.env"):
        path = path.with_name(path.name + ".example")
    if not path.exists():
        return {}
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def _env_files(service: dict) -> list[str]:
    files = service.get("env_file") or []
    files = [files] if isinstance(files, str) else files
    return [entry["path"] if isinstance(entry, dict) else entry for entry in files]


def _environment(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {item.partition("=")[0]: item.partition("=")[2] if "=" in item else None for item in env}
    return {key: None if value is None else str(value) for key, value in env.items()}


def _is_secret(name: str, contract: Contract) -> bool:
    variable = contract.variables.get(name)
    return variable.secret if variable is not None else bool(SECRET_NAME.search(name))


def check(compose: dict, base: Path, contract: Contract) -> dict[str, list[str]]:
    """Problems by rule name for the parsed compose file ``compose`` (paths relative to ``base``)."""
    problems: dict[str, list[str]] = {
        "hardening": [],
        "exposure": [],
        "secrets": [],
        "environment contract": [],
    }
    services = compose.get("services") or {}
    components = {
        name: (service.get("labels") or {}).get(COMPONENT_LABEL)
        for name, service in services.items()
        if (service.get("labels") or {}).get(COMPONENT_LABEL)
    }
    for process in LONG_RUNNING:
        if process not in components.values():
            problems["environment contract"].append(f"no service runs the {process} process")
    networks_of = {name: set(service.get("networks") or ["default"]) for name, service in services.items()}
    for name, component in components.items():
        service = services[name]
        where = f"service {name} ({component})"
        user = str(service.get("user") or "")
        if not user or user.split(":")[0] in ROOT_USERS:
            problems["hardening"].append(f"{where}: runs as root (set user to an unprivileged uid)")
        if service.get("read_only") is not True:
            problems["hardening"].append(f"{where}: root filesystem is writable (read_only: true)")
        if "ALL" not in (service.get("cap_drop") or []):
            problems["hardening"].append(f"{where}: capabilities are not dropped (cap_drop: [ALL])")
        if "no-new-privileges:true" not in (service.get("security_opt") or []):
            problems["hardening"].append(
                f"{where}: may gain privileges (security_opt no-new-privileges:true)"
            )
        if service.get("privileged"):
            problems["hardening"].append(f"{where}: is privileged")
        env = _environment(service)
        if component in LONG_RUNNING and "HEALTH_PORT" not in env:
            problems["hardening"].append(
                f"{where}: HEALTH_PORT unset, the image's healthcheck asks the wrong port"
            )
        for port in service.get("ports") or []:
            published = str(port if not isinstance(port, dict) else port.get("host_ip", "") + ":")
            if component not in MAY_PUBLISH:
                problems["exposure"].append(f"{where}: publishes port {port}; it must stay internal")
            elif not published.startswith("127.0.0.1:"):
                problems["exposure"].append(f"{where}: publishes {port} beyond the host's loopback")
        if component == "actions":
            for other, other_component in components.items():
                if other != name and other_component != "rasa" and networks_of[other] & networks_of[name]:
                    problems["exposure"].append(
                        f"service {other} ({other_component}) shares a network with the action server"
                    )
        names = set(env)
        for file in _env_files(service):
            keys = _env_file_keys(base / file)
            names |= set(keys)
            if not file.endswith("secrets.env"):
                for key in keys:
                    if _is_secret(key, contract):
                        problems["secrets"].append(
                            f"{file}: holds the secret {key}; move it to a secrets.env file"
                        )
        for key, value in env.items():
            if value and _is_secret(key, contract):
                problems["secrets"].append(f"{where}: the secret {key} is written in compose.yaml")
        if component not in contract.processes:
            problems["environment contract"].append(f"{where}: names no process of deploy/environment.yml")
            continue
        for variable in contract.required_by(component):
            if variable not in names:
                meaning = contract.variables[variable].meaning
                problems["environment contract"].append(f"{where} lacks {variable}: {meaning}")
    return problems
