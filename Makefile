# Jisr citizen assistant — every command a developer or CI needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.10 from pyenv (Rasa 3.6 supports Python <= 3.10); the pyenv shim itself fails when 3.10 is
# not the global version, so the interpreter is taken from pyenv's versions folder.
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
PYTHON310 ?= $(lastword $(wildcard /usr/bin/python3.10 $(PYENV_ROOT)/versions/3.10*/bin/python3.10))
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.lock
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: run 'pyenv install 3.10'"; exit 1; }
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip check
	@touch $(STAMP)

install: $(STAMP) i18n-compile ## create .venv with the pinned packages (idempotent)

i18n-compile: $(STAMP) ## compile locales/*/LC_MESSAGES/messages.po to .mo
	@$(PY) -m bot.i18n.compile

i18n-check: $(STAMP) ## fail when a message key lacks a translation in any locale
	$(PY) -m bot.i18n.check

train: install ## train the model if data, domain or config changed
	$(PY) -m bot.training

run: train ## install, train if needed, start the assistant (REST on 127.0.0.1:5005)
	$(PY) -m bot.launcher

shell: ## talk to the running assistant in the terminal
	$(PY) -m bot.chat --port $${RASA_PORT:-5005}

validate: install ## every content check (Rasa's validation included), each problem once as file:line
	@$(PY) -m bot.checks

lint: install ## ruff
	$(VENV)/bin/ruff check bot actions tests scripts
	$(VENV)/bin/ruff format --check bot actions tests scripts

test: train lint ## lint, then the whole test suite
	$(PY) -m pytest

eval: install ## 5-fold NLU cross-validation per variety (reports/); VARIANT=no-dense|no-arabizi-folding|rasa-default
	$(PY) -m scripts.evaluate_nlu --folds 5 --variant $${VARIANT:-project}

bench: train ## training time, parse latency, REST round trip (prints numbers)
	$(PY) -m scripts.bench

.PHONY: help install i18n-compile i18n-check train run shell validate lint test eval bench

purge: install ## delete conversations past their retention period (data/privacy/retention.yml)
	$(PY) -m bot.privacy.retention

.PHONY: purge

bench-search: install ## recall@1/@3 of semantic service search per variety and backend
	$(PY) -m scripts.bench_search

.PHONY: bench-search

import-centers: install ## validate and import a centres CSV: make import-centers FILE=path.csv
	$(PY) -m bot.geo.import_centers $(FILE)

.PHONY: import-centers

bench-safety: train ## emergency-path recall, false alarms, time to the first emergency reply
	$(PY) -m scripts.bench_safety

.PHONY: bench-safety
