"""make deploy-check: the real manifests pass, and each rule catches the mistake it exists for.

Every "bad" case starts from the real rendered overlay (kubectl kustomize, no cluster), changes
one thing the way a careless edit would, and expects that rule's problem; nothing is mocked.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops.environment import Contract
from scripts.deploy_check import __main__ as deploy_check
from scripts.deploy_check import code_env, compose_rules, dockerfile_rules, kube_rules, render

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = ROOT / "deploy" / "k8s" / "overlays" / "example"


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    return render.render(OVERLAY)


@pytest.fixture
def objects(rendered) -> list[dict]:
    return copy.deepcopy(rendered)


def find(objects: list[dict], kind: str, name: str) -> dict:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def container(objects: list[dict], name: str) -> dict:
    return kube_rules.pod_template(find(objects, "Deployment", name))["spec"]["containers"][0]


def test_the_checked_in_deployment_passes_every_rule(capsys):
    assert deploy_check.run() == []
    out = capsys.readouterr().out
    assert "deploy/k8s/overlays/example: 20 objects" in out
    assert "FAIL" not in out


def test_the_overlay_renders_what_the_issue_lists(rendered):
    kinds = {(o["kind"], o["metadata"]["name"]) for o in rendered}
    for expected in [
        ("Deployment", "jisr-rasa"),
        ("Deployment", "jisr-actions"),
        ("Deployment", "jisr-console"),
        ("HorizontalPodAutoscaler", "jisr-rasa"),
        ("PodDisruptionBudget", "jisr-rasa"),
        ("Job", "jisr-migrate"),
        ("CronJob", "jisr-retention"),
        ("Ingress", "jisr-public"),
        ("NetworkPolicy", "jisr-actions-from-rasa"),
    ]:
        assert expected in kinds
    assert all(o["metadata"].get("namespace") == "jisr" for o in rendered if o["kind"] != "Namespace")
    assert container(rendered, "jisr-rasa")["image"] == "registry.example.org/jisr/assistant:1.0.0"


def test_schema_rejects_an_unknown_field(objects):
    container(objects, "jisr-rasa")["livenesProbe"] = {"httpGet": {"path": "/health", "port": 5005}}
    assert any("livenesProbe" in p for p in kube_rules.schema(objects))


def test_schema_rejects_a_wrong_type(objects):
    find(objects, "Deployment", "jisr-actions")["spec"]["replicas"] = "three"
    assert any("Deployment/jisr-actions" in p and "replicas" in p for p in kube_rules.schema(objects))


def test_a_container_running_as_root_is_refused(objects):
    container(objects, "jisr-console")["securityContext"]["runAsUser"] = 0
    kube_rules.pod_template(find(objects, "Deployment", "jisr-console"))["spec"]["securityContext"].pop(
        "runAsNonRoot"
    )
    container(objects, "jisr-console")["securityContext"].pop("runAsNonRoot")
    problems = kube_rules.security_context(objects)
    assert "Deployment/jisr-console container console: runs as root (runAsUser 0)" in problems
    assert any("may run as root" in p for p in problems)


def test_privilege_escalation_and_a_writable_root_are_refused(objects):
    context = container(objects, "jisr-actions")["securityContext"]
    context["allowPrivilegeEscalation"] = True
    context.pop("readOnlyRootFilesystem")
    problems = kube_rules.security_context(objects)
    assert any("jisr-actions" in p and "allowPrivilegeEscalation" in p for p in problems)
    assert any("jisr-actions" in p and "root filesystem is writable" in p for p in problems)


def test_a_deployment_without_probes_or_limits_is_refused(objects):
    rasa = container(objects, "jisr-rasa")
    rasa.pop("readinessProbe")
    rasa["livenessProbe"]["httpGet"]["path"] = "/"
    rasa["resources"].pop("limits")
    problems = kube_rules.probes_and_resources(objects)
    assert "Deployment/jisr-rasa container rasa: no readinessProbe (HTTP GET /ready)" in problems
    assert "Deployment/jisr-rasa container rasa: livenessProbe asks /, expected /health" in problems
    assert "Deployment/jisr-rasa container rasa: no cpu limit" in problems
    assert "Deployment/jisr-rasa container rasa: no memory limit" in problems


def test_a_cronjob_without_resources_is_refused(objects):
    cron = kube_rules.pod_template(find(objects, "CronJob", "jisr-retention"))
    cron["spec"]["containers"][0].pop("resources")
    assert any(
        "CronJob/jisr-retention" in p and "no memory request" in p
        for p in kube_rules.probes_and_resources(objects)
    )


def test_an_unpinned_image_is_refused(objects):
    container(objects, "jisr-actions")["image"] = "registry.example.org/jisr/assistant:latest"
    assert any("jisr-actions" in p and "not pinned" in p for p in kube_rules.images(objects))


@pytest.mark.parametrize(
    "path, path_type", [("/", "Prefix"), ("/conversations", "Prefix"), ("/webhooks/", "Prefix")]
)
def test_an_ingress_path_to_the_rasa_api_is_refused(objects, path, path_type):
    ingress = find(objects, "Ingress", "jisr-public")
    ingress["spec"]["rules"][0]["http"]["paths"].append(
        {
            "path": path,
            "pathType": path_type,
            "backend": {"service": {"name": "jisr-rasa", "port": {"name": "http"}}},
        }
    )
    assert any(
        f"{path} ({path_type}) exposes Rasa's HTTP API" in p for p in kube_rules.ingress_exposure(objects)
    )


def test_an_ingress_path_to_the_action_server_is_refused(objects):
    ingress = find(objects, "Ingress", "jisr-webchat")
    ingress["spec"]["defaultBackend"] = {"service": {"name": "jisr-actions", "port": {"number": 5055}}}
    assert any("exposes the action server" in p for p in kube_rules.ingress_exposure(objects))


def test_a_rasa_service_of_type_loadbalancer_is_refused(objects):
    find(objects, "Service", "jisr-rasa")["spec"]["type"] = "LoadBalancer"
    assert (
        "Service/jisr-rasa: type LoadBalancer exposes it outside the cluster"
        in kube_rules.ingress_exposure(objects)
    )


def test_the_action_server_open_to_every_pod_is_refused(objects):
    objects.remove(find(objects, "NetworkPolicy", "jisr-actions-from-rasa"))
    objects.remove(find(objects, "NetworkPolicy", "jisr-default-deny-ingress"))
    assert (
        "actions pods: no NetworkPolicy selects them, so every pod can reach them"
        in kube_rules.network_policies(objects)
    )


def test_the_console_allowed_to_reach_the_action_server_is_refused(objects):
    policy = find(objects, "NetworkPolicy", "jisr-actions-from-rasa")
    policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"].pop("app.kubernetes.io/component")
    problems = kube_rules.network_policies(objects)
    assert "NetworkPolicy/jisr-actions-from-rasa: lets console reach the actions pods" in problems


def test_rasa_open_to_another_namespace_or_every_source_is_refused(objects):
    policy = find(objects, "NetworkPolicy", "jisr-rasa-from-console-and-ingress")
    policy["spec"]["ingress"][0]["from"].append({"namespaceSelector": {}})
    policy["spec"]["ingress"].append({"ports": [{"port": 5005}]})
    problems = kube_rules.network_policies(objects)
    assert any("admits pods of other namespaces" in p and "rasa" in p for p in problems)
    assert (
        "NetworkPolicy/jisr-rasa-from-console-and-ingress: admits every source to the rasa pods" in problems
    )


def test_rasa_without_autoscaler_or_disruption_budget_is_refused(objects):
    objects.remove(find(objects, "HorizontalPodAutoscaler", "jisr-rasa"))
    objects.remove(find(objects, "PodDisruptionBudget", "jisr-rasa"))
    objects.remove(find(objects, "CronJob", "jisr-retention"))
    problems = kube_rules.availability(objects)
    assert "Deployment/jisr-rasa: no HorizontalPodAutoscaler scales it" in problems
    assert "rasa pods: no PodDisruptionBudget selects them" in problems
    assert "no CronJob running the retention process" in problems


def test_an_embedded_secret_value_is_refused(objects, contract):
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "jisr-secrets"},
            "stringData": {"RASA_TOKEN": "x"},
        }
    )
    container(objects, "jisr-console")["env"].append({"name": "CONSOLE_SECRET", "value": "hunter2"})
    find(objects, "ConfigMap", next(o["metadata"]["name"] for o in objects if o["kind"] == "ConfigMap"))[
        "data"
    ]["HANDOFF_DB_URL"] = "postgresql://jisr:pw@db/jisr"
    problems = kube_rules.secrets(objects, contract)
    assert "Secret/jisr-secrets: embeds secret values; reference a Secret created out of band" in problems
    assert (
        "Deployment/jisr-console container console: the secret CONSOLE_SECRET is written in the manifest"
        in problems
    )
    assert any("holds the secret HANDOFF_DB_URL" in p for p in problems)


def test_rasa_without_the_erase_hooks_variables_is_refused(objects, contract):
    """The erase hooks run in Rasa: without HANDOFF_DB_URL they would erase a pod-local SQLite file."""
    rasa = container(objects, "jisr-rasa")
    rasa["env"] = [e for e in rasa["env"] if e["name"] not in {"HANDOFF_DB_URL", "REVIEW_SALT"}]
    problems = kube_rules.environment(objects, contract)
    assert any(
        p.startswith("Deployment/jisr-rasa container rasa (rasa) lacks HANDOFF_DB_URL") for p in problems
    )
    assert any(p.startswith("Deployment/jisr-rasa container rasa (rasa) lacks REVIEW_SALT") for p in problems)


def test_a_secret_on_the_command_line_is_refused(objects, contract):
    """Rasa's own --auth-token would show the API secret to every local user in /proc/<pid>/cmdline."""
    rasa = container(objects, "jisr-rasa")
    rasa["command"] = [*rasa["command"], "--auth-token", "$(RASA_TOKEN)"]
    problems = kube_rules.secrets(objects, contract)
    assert any("--auth-token puts a secret on the command line" in p for p in problems), problems
    assert any("a secret is expanded into the command line: $(RASA_TOKEN)" in p for p in problems), problems


def test_a_required_secret_marked_optional_or_hidden_in_envfrom_is_refused(objects, contract):
    console = container(objects, "jisr-console")
    for env in console["env"]:
        if env["name"] == "CALLBACK_KEY":
            env["valueFrom"]["secretKeyRef"]["optional"] = True
    console["envFrom"].append({"secretRef": {"name": "jisr-secrets"}})
    problems = kube_rules.environment(objects, contract)
    assert (
        "Deployment/jisr-console container console (console) marks the required CALLBACK_KEY optional"
        in problems
    )
    assert any("envFrom secretRef hides" in p for p in problems)


# -- compose.yaml -----------------------------------------------------------------------------------
@pytest.fixture
def compose() -> dict:
    return compose_rules.load(ROOT / "compose.yaml")


def test_compose_passes(compose, contract):
    assert compose_rules.check(compose, ROOT, contract) == {
        "hardening": [],
        "exposure": [],
        "secrets": [],
        "environment contract": [],
    }


def test_compose_refuses_root_published_actions_and_shared_networks(compose, contract):
    compose["services"]["console"]["user"] = "0:0"
    compose["services"]["actions"]["ports"] = ["5055:5055"]
    compose["services"]["rasa"]["ports"] = ["5005:5005"]
    compose["services"]["console"]["networks"] = ["default", "data", "actions"]
    problems = compose_rules.check(compose, ROOT, contract)
    assert (
        "service console (console): runs as root (set user to an unprivileged uid)" in problems["hardening"]
    )
    assert (
        "service actions (actions): publishes port 5055:5055; it must stay internal" in problems["exposure"]
    )
    assert "service rasa (rasa): publishes 5005:5005 beyond the host's loopback" in problems["exposure"]
    assert "service console (console) shares a network with the action server" in problems["exposure"]


def test_compose_refuses_a_written_secret_and_a_missing_variable(compose, contract):
    compose["services"]["rasa"]["environment"]["RASA_TOKEN"] = "abc"
    compose["services"]["rasa"]["env_file"] = ["deploy/compose/jisr.env"]
    problems = compose_rules.check(compose, ROOT, contract)
    assert "service rasa (rasa): the secret RASA_TOKEN is written in compose.yaml" in problems["secrets"]
    assert any(
        p.startswith("service rasa (rasa) lacks HANDOFF_DB_URL") for p in problems["environment contract"]
    )


# -- Dockerfile -------------------------------------------------------------------------------------
def dockerfile_problems(text: str, contract: Contract) -> list[str]:
    return dockerfile_rules.rules(text, (ROOT / ".dockerignore").read_text(), contract)


def test_dockerfile_rules_hold_for_the_real_file(contract):
    assert dockerfile_problems((ROOT / "Dockerfile").read_text(), contract) == []
    assert dockerfile_rules.hadolint(ROOT / "Dockerfile") == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            ("python:3.10.13-slim-bookworm AS build", "python:3.10-slim AS build"),
            "is not pinned to an exact release",
        ),
        (("USER 10001:10001\n", ""), "the final stage has no USER"),
        (("USER 10001:10001\n", "USER root\n"), "the final stage runs as root"),
        (("HEALTHCHECK --interval", "# HEALTHCHECK --interval"), "no HEALTHCHECK"),
        (
            ("    HEALTH_PORT=5005", "    HEALTH_PORT=5005 \\\n    RASA_TOKEN=abc"),
            "ENV RASA_TOKEN puts a secret",
        ),
        (("pip install -r /tmp/requirements.lock", "pip install rasa"), "requirements.lock is not installed"),
    ],
)
def test_dockerfile_rules_catch_each_mistake(contract, change, expected):
    text = (ROOT / "Dockerfile").read_text()
    assert change[0] in text
    problems = dockerfile_problems(text.replace(change[0], change[1], 1), contract)
    assert any(expected in p for p in problems), problems


def test_dockerignore_must_exclude_local_state(contract):
    problems = dockerfile_rules.rules((ROOT / "Dockerfile").read_text(), "var\n", contract)
    assert ".dockerignore: .venv is not excluded from the build context" in problems


def test_dockerignore_must_keep_what_the_processes_read(contract):
    dockerignore = (ROOT / ".dockerignore").read_text().replace("!deploy/environment.yml\n", "")
    problems = dockerfile_rules.rules((ROOT / "Dockerfile").read_text(), dockerignore, contract)
    assert (
        ".dockerignore: deploy/environment.yml is left out of the image, but a process reads it" in problems
    )


def test_hadolint_runs_on_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /app && pip install rasa\n")
    findings = dockerfile_rules.hadolint(bad)
    assert any("DL3007" in f for f in findings)  # latest tag


# -- the contract, its docs, kustomize --------------------------------------------------------------
def test_docs_environment_is_rendered_from_the_contract(contract):
    assert (ROOT / "docs" / "environment.md").read_text() == contract.markdown()


def test_the_contract_refuses_an_unknown_process(tmp_path):
    bad = tmp_path / "environment.yml"
    bad.write_text("processes: {rasa: x}\nvariables:\n  A: {required: [rasa, nginx], secret: false}\n")
    with pytest.raises(ValueError, match="unknown process"):
        Contract.load(bad)


def test_kustomize_errors_are_reported(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    with pytest.raises(render.RenderError, match=r"missing\.yaml"):
        render.render(tmp_path)


def test_kubectl_is_available_in_ci():
    assert shutil.which("kubectl") or shutil.which("kustomize"), (
        "kubectl (with kustomize) is needed by deploy-check"
    )


def test_the_migration_job_refuses_to_run_without_its_databases(tmp_path):
    """Defaults would create SQLite files inside the container: the Job must fail instead."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DB_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.ops.migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CHANNELS_DB_URL, HANDOFF_DB_URL, TRACKER_DB_URL" in result.stderr


def copy_of_code(tmp_path: Path) -> Path:
    for part in ("bot", "actions"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("credentials.yml", "endpoints.prod.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_contract_lists_every_variable_the_code_reads(contract):
    assert code_env.check(ROOT, contract) == []
    read = code_env.names_read(ROOT)
    assert "bot/privacy/conversation_hash.py" in read["REVIEW_SALT"]
    assert any(f.startswith("credentials.yml") for f in read["WHATSAPP_APP_SECRET"])


def test_a_variable_read_by_new_code_but_not_in_the_contract_is_refused(tmp_path, contract):
    root = copy_of_code(tmp_path)
    (root / "bot" / "new_feature.py").write_text('import os\nKEY = os.environ.get("NEW_FEATURE_KEY", "")\n')
    endpoints = root / "endpoints.prod.yml"
    endpoints.write_text(endpoints.read_text() + "\nextra:\n  url: ${EXTRA_URL}\n")
    problems = code_env.check(root, contract)
    assert any("bot/new_feature.py read(s) NEW_FEATURE_KEY" in p for p in problems)
    assert any("${EXTRA_URL}" in p for p in problems)
