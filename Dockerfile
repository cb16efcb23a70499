# One image for every process of the assistant: Rasa, the action server, the caseworker console and
# the batch jobs (migrations, retention, review collection); the command chooses the process.
# Build: docker build -t jisr-assistant:<version> .   (checked statically by `make deploy-check`)
#
# Python 3.10 because Rasa 3.6 supports nothing newer; the exact patch release and Debian release
# are pinned so that a rebuild gets the same interpreter as the tested one.

FROM python:3.10.13-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2
# A compiler for the few pinned packages without a wheel for this platform (build stage only).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.lock /tmp/requirements.lock
RUN pip install pip==24.0 \
 && pip install -r /tmp/requirements.lock \
 && pip check
WORKDIR /app
COPY . /app
# The model is trained here and baked into the image (models/jisr.tar.gz); mount another one over
# /app/models to serve it instead. The message catalogues are compiled to .mo files, and the
# service search's sentence vectors computed (var/search-index/): the running image is read-only.
RUN PYTHONPATH=/app python -m bot.i18n.compile \
 && PYTHONPATH=/app python -m bot.training \
 && test -f models/jisr.tar.gz \
 && PYTHONPATH=/app python -c "from actions.services import service_index; service_index()" \
 && test -n "$(ls var/search-index)"

FROM python:3.10.13-slim-bookworm
# The processes run as an unprivileged user; the code and the model belong to root and are
# read-only for it, so a compromised process cannot change what the assistant says.
RUN groupadd --system --gid 10001 jisr \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin jisr
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# HOME and caches in /tmp (an emptyDir in Kubernetes) so the root filesystem can be read-only.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib \
    RASA_CACHE_DIRECTORY=/tmp/rasa-cache \
    RASA_TELEMETRY_ENABLED=false \
    SANIC_REGISTER=False \
    TF_CPP_MIN_LOG_LEVEL=2 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HEALTH_PORT=5005
USER 10001:10001
EXPOSE 5005 5055 5006
# Liveness of whichever process runs: each answers GET /health on its port (HEALTH_PORT:
# 5005 Rasa, 5055 action server, 5006 console). Kubernetes uses its own probes instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['HEALTH_PORT'] + '/health', timeout=4)"]
# Default process: a Rasa server (the API token comes from RASA_TOKEN at run time).
CMD ["python", "-m", "bot.ops.rasa_server", "run", "--model", "models/jisr.tar.gz", "--endpoints", "endpoints.prod.yml", "--credentials", "credentials.yml", "--port", "5005", "--enable-api"]
