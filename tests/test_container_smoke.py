"""The processes start and serve as the containers would run them, without a container runtime.

What a pod gets is reproduced from the real files: the image's tree (the tracked files that
.dockerignore keeps, plus the model), mounted read-only (``unshare`` + a read-only bind mount, as
``readOnlyRootFilesystem``), the image's ``ENV`` from the Dockerfile, and for each process exactly
the environment its container gets in the rendered example overlay (ConfigMap keys, generated
secrets for each ``secretKeyRef``) with the service hosts pointed at this machine. Nothing else
of the test's environment reaches them. If a process needed a variable the manifests do not give,
or wrote into its own tree, it would fail here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bot.launcher import stop, wait_until_ready
from bot.review.models import ReviewItem
from bot.training import MODEL_FILE
from scripts.deploy_check import dockerfile_rules, kube_rules, render
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = ROOT / "deploy" / "k8s" / "overlays" / "example"
pytestmark = pytest.mark.server


def image_tree(app: Path) -> None:
    """The files ``COPY . /app`` would take, then the build stage's catalogues, model and vectors."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in tracked.stdout.splitlines():
        if not dockerfile_rules.ignored(name, patterns) and (ROOT / name).is_file():
            (app / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, app / name)
    (app / "models").mkdir()
    shutil.copy2(MODEL_FILE, app / "models" / MODEL_FILE.name)
    env = {**os.environ, "PYTHONPATH": str(app)}
    subprocess.run([sys.executable, "-m", "bot.i18n.compile"], cwd=app, env=env, check=True, timeout=300)
    warm = "from actions.services import service_index; service_index()"
    subprocess.run([sys.executable, "-c", warm], cwd=app, env=env, check=True, timeout=600)


def image_env(app: Path, tmp: Path) -> dict[str, str]:
    """The final stage's ENV of the Dockerfile, with /app and /tmp mapped onto this test's folders."""
    stages = [i for i in dockerfile_rules.parse((ROOT / "Dockerfile").read_text())]
    final = stages[max(n for n, i in enumerate(stages) if i.keyword == "FROM") :]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8"}
    for instruction in (i for i in final if i.keyword == "ENV"):
        for pair in instruction.argument.split():
            name, _, value = pair.partition("=")
            if name != "PATH":
                env[name] = value.replace("/app", str(app)).replace("/tmp", str(tmp))
    return env


def pod_env(objects: list[dict], kind: str, component: str, generated: dict[str, str]) -> tuple[list, dict]:
    """Command and environment of the container of ``component``, as the kubelet would build them."""
    container = next(c for c in kube_rules.containers(objects) if c.kind == kind and c.component == component)
    config_maps = {o["metadata"]["name"]: o.get("data") or {} for o in objects if o["kind"] == "ConfigMap"}
    env: dict[str, str] = {}
    for source in container.spec.get("envFrom") or []:
        env.update(config_maps[source["configMapRef"]["name"]])
    for item in container.spec.get("env") or []:
        if "value" in item:
            env[item["name"]] = item["value"]
            continue
        source = item["valueFrom"]
        if "fieldRef" in source:
            env[item["name"]] = f"{component}-pod"
        elif "secretKeyRef" in source:
            key = source["secretKeyRef"]["key"]
            if key in generated:
                env[item["name"]] = generated[key]
            elif not source["secretKeyRef"].get("optional"):
                raise AssertionError(f"the test has no value for the required secret {key}")
    command = [part.replace("$(RASA_TOKEN)", env.get("RASA_TOKEN", "")) for part in container.spec["command"]]
    return command, env


@dataclass
class Pods:
    urls: dict[str, str]
    database_url: str
    review_salt: str


@pytest.fixture(scope="module")
def pods(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pods]:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        if os.environ.get("CI"):
            pytest.fail("the container smoke test needs root and unshare (a read-only bind mount)")
        pytest.skip("needs root and unshare for a read-only bind mount")
    base = tmp_path_factory.mktemp("image")
    app, tmp = base / "app", base / "tmp"
    app.mkdir()
    tmp.mkdir()
    image_tree(app)
    database = f"jisr_smoke_{uuid.uuid4().hex[:8]}"
    queue = f"jisr_smoke_{uuid.uuid4().hex[:8]}"
    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    generated = {
        "TRACKER_DB_PASSWORD": "",
        "TRACKER_DB_URL": url,
        "HANDOFF_DB_URL": url,
        "CHANNELS_DB_URL": url,
        "REVIEW_SALT": secrets.token_hex(32),
        "CALLBACK_KEY": Fernet.generate_key().decode(),
        "CONSOLE_SECRET": Fernet.generate_key().decode(),
        "RASA_TOKEN": secrets.token_urlsafe(24),
        "WEBCHAT_SECRET": secrets.token_urlsafe(48),
        "REDIS_PASSWORD": "",
        "RABBITMQ_PASSWORD": "guest",
    }
    ports = {"rasa": free_port(), "actions": free_port(), "console": free_port()}
    loopback = {  # the example overlay's service hosts, on this machine
        "TRACKER_DB_HOST": "127.0.0.1",
        "TRACKER_DB_USER": "postgres",
        "TRACKER_DB_NAME": database,
        "REDIS_HOST": "127.0.0.1",
        "REDIS_KEY_PREFIX": "jisrsmoke",
        "RABBITMQ_HOST": "127.0.0.1",
        "RABBITMQ_USER": "guest",
        "RABBITMQ_QUEUE": queue,
        "PGSSLMODE": "disable",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "SANIC_HOST": "127.0.0.1",
        "CONSOLE_HOST": "127.0.0.1",
        "CONSOLE_PORT": str(ports["console"]),
    }
    objects = render.render(OVERLAY)
    base_env = image_env(app, tmp)
    read_only = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"', str(app)]  # fmt: skip

    def launch(kind: str, component: str, extra: list[str] | None = None) -> tuple[list, dict]:
        command, env = pod_env(objects, kind, component, generated)
        env = {**base_env, **env, **{k: v for k, v in loopback.items() if k in env}}
        command = [sys.executable if part == "python" else part for part in command]
        port = {"rasa": "5005", "actions": "5055"}.get(component)
        command = [str(ports[component]) if part == port else part for part in command] + (extra or [])
        return read_only + command, env

    command, env = launch("Job", "migrate")
    subprocess.run(command, cwd=app, env=env, check=True, timeout=300)
    logs = (base / "logs.txt").open("ab")
    processes = {}
    try:
        for component, extra in (
            ("actions", None),
            ("console", None),
            ("rasa", ["--interface", "127.0.0.1"]),
        ):
            command, env = launch("Deployment", component, extra)
            processes[component] = subprocess.Popen(
                command, cwd=app, env=env, stdout=logs, stderr=subprocess.STDOUT
            )
        for component, port in ports.items():  # Rasa loads its model; the others are quick
            timeout = 900 if component == "rasa" else 180
            wait_until_ready(f"http://127.0.0.1:{port}/ready", timeout=timeout, process=processes[component])
        urls = {component: f"http://127.0.0.1:{port}" for component, port in ports.items()}
        yield Pods(urls, url, generated["REVIEW_SALT"])
    finally:
        stop(list(processes.values()))
        logs.close()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'],
                       capture_output=True, timeout=60)  # fmt: skip
        subprocess.run(["rabbitmqctl", "delete_queue", queue], capture_output=True, timeout=60)


def post(url: str, body: dict) -> tuple[int, object]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_every_process_is_ready_with_only_the_manifests_environment(pods):
    for component, url in pods.urls.items():
        with urllib.request.urlopen(f"{url}/ready", timeout=30) as response:
            assert response.status == 200, component


def test_a_citizen_gets_answers_through_rasa_and_the_action_server(pods):
    sender = f"smoke-{uuid.uuid4().hex[:8]}"
    status, replies = post(
        f"{pods.urls['rasa']}/webhooks/rest/webhook", {"sender": sender, "message": "salam"}
    )
    assert status == 200 and replies and replies[0].get("text")
    question = {
        "sender": sender,
        "message": "chno homa lkhadamat dyalkom",
    }  # the service search (action server)
    status, replies = post(f"{pods.urls['rasa']}/webhooks/rest/webhook", question)
    assert status == 200 and any(reply.get("buttons") for reply in replies), replies


def test_rasa_api_refuses_a_request_without_the_token(pods):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{pods.urls['rasa']}/conversations/someone/tracker", timeout=30)
    assert error.value.code == 401


def say(pods: Pods, sender: str, text: str) -> list[dict]:
    status, replies = post(f"{pods.urls['rasa']}/webhooks/rest/webhook", {"sender": sender, "message": text})
    assert status == 200, replies
    return replies


def test_an_erase_in_the_rasa_pod_reaches_the_shared_databases(pods):
    """The erase hooks run in Rasa: with the pod's HANDOFF_DB_URL and REVIEW_SALT they find the
    conversation's review items in the shared database, not in a pod-local file."""
    sender = f"smoke-erase-{uuid.uuid4().hex[:8]}"
    say(pods, sender, "salam")
    digest = hmac.new(pods.review_salt.encode(), sender.encode(), hashlib.sha256).hexdigest()
    engine = sa.create_engine(pods.database_url)
    try:
        now = time.time()
        with engine.begin() as connection:  # as the collection job (same salt) stores an item
            connection.execute(sa.insert(ReviewItem.__table__).values(
                conversation_hash=digest, event_id=1, text="salam", reasons="fallback", ranking=[],
                said_at=now, collected_at=now, expires_at=now + 86400, status="pending"))  # fmt: skip
        say(pods, sender, "msa7")
        say(pods, sender, "/affirm")
        with engine.connect() as connection:
            events = connection.execute(
                sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
            )
            items = connection.execute(
                sa.select(sa.func.count()).select_from(ReviewItem.__table__).where(
                    ReviewItem.__table__.c.conversation_hash == digest)
            )  # fmt: skip
            assert (events.scalar_one(), items.scalar_one()) == (0, 0)

    finally:
        engine.dispose()
