"""Rules on rendered Kubernetes objects; each rule returns one sentence per problem.

The rules encode what the deployment promises: no container runs as root or can gain privileges,
every Deployment is probed and limited, the Ingress exposes only the public webhooks and web chat,
only Rasa reaches the action servers and only the console (and the Ingress, for the public paths)
reaches Rasa, secrets are referenced and never embedded, and every process receives each variable
of the environment contract it requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import kubernetes_validate

from bot.ops.environment import Contract

KUBERNETES_VERSION = "1.28.0"  # the newest schema set of the pinned kubernetes-validate
COMPONENT_LABEL = "app.kubernetes.io/component"
#: Rasa paths the internet may reach: (path, pathType).
PUBLIC_RASA_PATHS = {
    ("/webhooks/rest/webhook", "Exact"),
    ("/webhooks/telegram/webhook", "Exact"),
    ("/webhooks/whatsapp/webhook", "Exact"),
    ("/socket.io/", "Prefix"),
    ("/webchat/", "Prefix"),
}
#: Who may open connections to the pods of a component ("ingress" is the ingress controller).
ALLOWED_SOURCES = {"actions": {"rasa"}, "rasa": {"console", "ingress"}, "console": {"ingress"}}
INGRESS_CONTROLLER_NAMESPACE = {"kubernetes.io/metadata.name": "ingress-nginx"}
SECRET_NAME = re.compile(r"(TOKEN|PASSWORD|SECRET|SALT|_KEY$|PRIVATE)")
DEPLOYMENT_PROBES = {"readinessProbe": "/ready", "livenessProbe": "/health"}


@dataclass(frozen=True)
class Container:
    """One container of a workload, with what the rules need to know around it."""

    owner: str  # "Deployment/jisr-rasa"
    kind: str
    component: str | None
    pod_spec: dict
    spec: dict
    init: bool

    def __str__(self) -> str:
        return f"{self.owner} container {self.spec.get('name')}"


def name_of(obj: dict) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def pod_template(obj: dict) -> dict | None:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}:
        return spec.get("template")
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
    if kind == "Pod":
        return obj
    return None


def containers(objects: list[dict]) -> Iterator[Container]:
    for obj in objects:
        template = pod_template(obj)
        if template is None:
            continue
        labels = (template.get("metadata") or {}).get("labels") or {}
        pod_spec = template.get("spec") or {}
        for key, init in (("initContainers", True), ("containers", False)):
            for spec in pod_spec.get(key) or []:
                yield Container(name_of(obj), obj["kind"], labels.get(COMPONENT_LABEL), pod_spec, spec, init)


def pod_labels(objects: list[dict]) -> dict[str, dict]:
    """Component → the labels of its pods."""
    result = {}
    for obj in objects:
        template = pod_template(obj)
        labels = ((template or {}).get("metadata") or {}).get("labels") or {}
        if COMPONENT_LABEL in labels:
            result[labels[COMPONENT_LABEL]] = labels
    return result


# -- schema -------------------------------------------------------------------------------------
def schema(objects: list[dict], version: str = KUBERNETES_VERSION) -> list[str]:
    """Every object against the strict OpenAPI schema of Kubernetes ``version``."""
    problems = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            problems.append(f"{name_of(obj)}: not valid Kubernetes {version}: {path}: {error.message}")
        except Exception as error:  # unknown kind or apiVersion
            problems.append(f"{name_of(obj)}: not valid Kubernetes {version}: {error}")
    return problems


# -- containers -----------------------------------------------------------------------------------
def _effective(container: Container, field: str) -> Any:
    own = (container.spec.get("securityContext") or {}).get(field)
    return own if own is not None else (container.pod_spec.get("securityContext") or {}).get(field)


def security_context(objects: list[dict]) -> list[str]:
    """Non-root, no privilege escalation, read-only root filesystem, no capabilities, no host namespaces."""
    problems = []
    for obj in objects:
        template = pod_template(obj)
        pod_spec = (template or {}).get("spec") or {}
        for host in ("hostNetwork", "hostPID", "hostIPC"):
            if pod_spec.get(host):
                problems.append(f"{name_of(obj)}: {host} is on")
    for container in containers(objects):
        context = container.spec.get("securityContext") or {}
        if _effective(container, "runAsNonRoot") is not True:
            problems.append(f"{container}: may run as root (runAsNonRoot is not true)")
        if _effective(container, "runAsUser") == 0:
            problems.append(f"{container}: runs as root (runAsUser 0)")
        if context.get("privileged"):
            problems.append(f"{container}: is privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{container}: allowPrivilegeEscalation is not false")
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{container}: root filesystem is writable (readOnlyRootFilesystem is not true)")
        if "ALL" not in ((context.get("capabilities") or {}).get("drop") or []):
            problems.append(f"{container}: capabilities are not dropped (drop: [ALL])")
    return problems


def probes_and_resources(objects: list[dict]) -> list[str]:
    """Every Deployment container probed on /ready and /health; every container with requests and limits."""
    problems = []
    for container in containers(objects):
        if container.kind == "Deployment" and not container.init:
            for probe, path in DEPLOYMENT_PROBES.items():
                get = (container.spec.get(probe) or {}).get("httpGet")
                if not get:
                    problems.append(f"{container}: no {probe} (HTTP GET {path})")
                elif get.get("path") != path:
                    problems.append(f"{container}: {probe} asks {get.get('path')}, expected {path}")
        resources = container.spec.get("resources") or {}
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(bound) or {}):
                    problems.append(f"{container}: no {resource} {bound[:-1]}")
    return problems


def images(objects: list[dict]) -> list[str]:
    """Every image pinned: an explicit tag other than latest, or a digest."""
    problems = []
    for container in containers(objects):
        image = str(container.spec.get("image") or "")
        if "@sha256:" in image:
            continue
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        if not tag or tag == "latest":
            problems.append(f"{container}: image {image!r} is not pinned to a version")
    return problems


# -- what is reachable ------------------------------------------------------------------------------
def _service_components(objects: list[dict]) -> dict[str, str | None]:
    return {
        obj["metadata"]["name"]: ((obj.get("spec") or {}).get("selector") or {}).get(COMPONENT_LABEL)
        for obj in objects
        if obj.get("kind") == "Service"
    }


def ingress_exposure(objects: list[dict]) -> list[str]:
    """The Ingress reaches Rasa only on the public paths, and never the action servers."""
    services = _service_components(objects)
    problems = []
    for obj in objects:
        if obj.get("kind") == "Service" and services.get(obj["metadata"]["name"]) in {"rasa", "actions"}:
            kind = (obj.get("spec") or {}).get("type", "ClusterIP")
            if kind in {"NodePort", "LoadBalancer"}:
                problems.append(f"{name_of(obj)}: type {kind} exposes it outside the cluster")
        if obj.get("kind") != "Ingress":
            continue
        spec = obj.get("spec") or {}
        routes = []
        default = (spec.get("defaultBackend") or {}).get("service")
        if default:
            routes.append(("(default backend)", "any path", default.get("name")))
        for rule in spec.get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                service = ((path.get("backend") or {}).get("service") or {}).get("name")
                routes.append((path.get("path", "/"), path.get("pathType"), service))
        for path, path_type, service in routes:
            if service not in services:
                problems.append(f"{name_of(obj)}: {path} routes to unknown Service {service!r}")
                continue
            component = services[service]
            if component == "actions":
                problems.append(f"{name_of(obj)}: {path} exposes the action server (Service {service})")
            elif component == "rasa" and (path, path_type) not in PUBLIC_RASA_PATHS:
                problems.append(
                    f"{name_of(obj)}: {path} ({path_type}) exposes Rasa's HTTP API; only "
                    + ", ".join(sorted(p for p, _ in PUBLIC_RASA_PATHS))
                    + " may be public"
                )
    return problems


def _matches(selector: dict | None, labels: dict) -> bool:
    """Label selector semantics (matchLabels and matchExpressions); an empty selector matches all."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        present = key in labels
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _peer_sources(peer: dict, pods: dict[str, dict]) -> tuple[set[str], str | None]:
    """What a ``from`` peer admits: known components, or a reason why it admits too much."""
    if "ipBlock" in peer:
        return set(), f"admits the addresses {peer['ipBlock'].get('cidr')}"
    if "namespaceSelector" in peer:
        namespaces = peer["namespaceSelector"] or {}
        if namespaces.get("matchLabels") == INGRESS_CONTROLLER_NAMESPACE and not namespaces.get(
            "matchExpressions"
        ):
            return {"ingress"}, None
        return set(), f"admits pods of other namespaces ({namespaces or 'all'})"
    matched = {component for component, labels in pods.items() if _matches(peer.get("podSelector"), labels)}
    if not matched:
        return set(), f"admits pods that are not part of the deployment ({peer.get('podSelector')})"
    return matched, None


def network_policies(objects: list[dict]) -> list[str]:
    """Only the allowed sources may open connections to each component's pods."""
    pods = pod_labels(objects)
    policies = [obj for obj in objects if obj.get("kind") == "NetworkPolicy"]
    problems = []
    for component, labels in pods.items():
        allowed = ALLOWED_SOURCES.get(component, set())
        selecting = [
            policy
            for policy in policies
            if _matches((policy.get("spec") or {}).get("podSelector"), labels)
            and "Ingress" in ((policy.get("spec") or {}).get("policyTypes") or ["Ingress"])
        ]
        if not selecting:
            problems.append(f"{component} pods: no NetworkPolicy selects them, so every pod can reach them")
            continue
        for policy in selecting:
            for rule in (policy.get("spec") or {}).get("ingress") or []:
                peers = rule.get("from")
                if not peers:
                    problems.append(f"{name_of(policy)}: admits every source to the {component} pods")
                    continue
                for peer in peers:
                    sources, too_much = _peer_sources(peer, pods)
                    if too_much:
                        problems.append(f"{name_of(policy)}: {too_much} to the {component} pods")
                    for source in sorted(sources - allowed):
                        problems.append(f"{name_of(policy)}: lets {source} reach the {component} pods")
    return problems


def availability(objects: list[dict]) -> list[str]:
    """Rasa scales (HPA) and survives voluntary disruptions (PDB); migrations and retention are scheduled."""
    pods = pod_labels(objects)
    deployments = {
        obj["metadata"]["name"]: obj
        for obj in objects
        if obj.get("kind") == "Deployment"
        and ((pod_template(obj) or {}).get("metadata") or {}).get("labels", {}).get(COMPONENT_LABEL) == "rasa"
    }
    problems = []
    if not deployments:
        problems.append("no Deployment of Rasa pods (label app.kubernetes.io/component: rasa)")
    hpa_targets = {
        (obj.get("spec") or {}).get("scaleTargetRef", {}).get("name")
        for obj in objects
        if obj.get("kind") == "HorizontalPodAutoscaler"
    }
    for name in deployments:
        if name not in hpa_targets:
            problems.append(f"Deployment/{name}: no HorizontalPodAutoscaler scales it")
    pdbs = [obj for obj in objects if obj.get("kind") == "PodDisruptionBudget"]
    if "rasa" in pods and not any(_matches(pdb["spec"].get("selector"), pods["rasa"]) for pdb in pdbs):
        problems.append("rasa pods: no PodDisruptionBudget selects them")
    for kind, component in (("Job", "migrate"), ("CronJob", "retention")):
        if not any(c.kind == kind and c.component == component for c in containers(objects)):
            problems.append(f"no {kind} running the {component} process")
    return problems


# -- secrets and the environment contract --------------------------------------------------------------
#: Command-line flags that would carry a secret (every local user can read a process's argv).
SECRET_FLAGS = frozenset({"--auth-token", "--jwt-secret", "--password"})


def _is_secret(name: str, contract: Contract) -> bool:
    variable = contract.variables.get(name)
    return variable.secret if variable is not None else bool(SECRET_NAME.search(name))


def secrets(objects: list[dict], contract: Contract) -> list[str]:
    """No Secret with data in the manifests, no secret variable as a literal or in a ConfigMap."""
    problems = []
    for obj in objects:
        if obj.get("kind") == "Secret" and (obj.get("data") or obj.get("stringData")):
            problems.append(f"{name_of(obj)}: embeds secret values; reference a Secret created out of band")
        if obj.get("kind") == "ConfigMap":
            for key in obj.get("data") or {}:
                if _is_secret(key, contract):
                    problems.append(f"{name_of(obj)}: holds the secret {key}; read it from a Secret")
    for container in containers(objects):
        for env in container.spec.get("env") or []:
            if "value" in env and _is_secret(env["name"], contract):
                problems.append(f"{container}: the secret {env['name']} is written in the manifest")
            source = env.get("valueFrom") or {}
            if "configMapKeyRef" in source and _is_secret(env["name"], contract):
                problems.append(f"{container}: the secret {env['name']} comes from a ConfigMap")
        argv = [str(a) for a in (container.spec.get("command") or []) + (container.spec.get("args") or [])]
        for flag in SECRET_FLAGS & set(argv):
            problems.append(f"{container}: {flag} puts a secret on the command line (readable in /proc)")
        for arg in argv:
            if any(f"$({name})" in arg for name in contract.secrets()):
                problems.append(f"{container}: a secret is expanded into the command line: {arg}")
    return problems


def container_variables(container: Container, objects: list[dict]) -> tuple[set[str], set[str]]:
    """Names the container receives, and those among them that may be absent (optional refs)."""
    config_maps = {obj["metadata"]["name"]: obj for obj in objects if obj.get("kind") == "ConfigMap"}
    names, optional = set(), set()
    for source in container.spec.get("envFrom") or []:
        reference = source.get("configMapRef")
        if reference and reference.get("name") in config_maps:
            keys = {
                source.get("prefix", "") + key for key in config_maps[reference["name"]].get("data") or {}
            }
            names |= keys
            if reference.get("optional"):
                optional |= keys
    for env in container.spec.get("env") or []:
        names.add(env["name"])
        reference = next(iter((env.get("valueFrom") or {}).values()), {})
        if isinstance(reference, dict) and reference.get("optional"):
            optional.add(env["name"])
    return names, optional


def environment(objects: list[dict], contract: Contract) -> list[str]:
    """Every container of a process gets every variable the contract says that process requires."""
    problems = []
    for container in containers(objects):
        if container.init:
            continue
        if container.component not in contract.processes:
            problems.append(
                f"{container}: label {COMPONENT_LABEL} names no process of deploy/environment.yml"
            )
            continue
        names, optional = container_variables(container, objects)
        for name in contract.required_by(container.component):
            if name not in names:
                meaning = contract.variables[name].meaning
                problems.append(f"{container} ({container.component}) lacks {name}: {meaning}")
            elif name in optional:
                problems.append(f"{container} ({container.component}) marks the required {name} optional")
        for source in container.spec.get("envFrom") or []:
            if "secretRef" in source:
                problems.append(
                    f"{container}: envFrom secretRef hides which secrets it gets; list them in env"
                )
    return problems


RULES: dict[str, Callable[..., list[str]]] = {
    "schema": schema,
    "security context": security_context,
    "probes and resources": probes_and_resources,
    "images": images,
    "ingress exposure": ingress_exposure,
    "network policies": network_policies,
    "availability": availability,
    "secrets": secrets,
    "environment contract": environment,
}
NEEDS_CONTRACT = {"secrets", "environment contract"}


def check(objects: list[dict], contract: Contract) -> dict[str, list[str]]:
    """Every rule's problems, by rule name (an empty list means the rule holds)."""
    return {
        name: rule(objects, contract) if name in NEEDS_CONTRACT else rule(objects)
        for name, rule in RULES.items()
    }
