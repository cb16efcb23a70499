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
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

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

I18N_LOCALES := ary ary_Latn ar fr
I18N_DOMAINS = $(sort messages $(basename $(notdir $(wildcard locales/*/LC_MESSAGES/*.po))))

i18n-extract: $(STAMP) ## write locales/<domain>.pot (pybabel extract: domain.yml responses, locales/keys.yml)
	@for d in $(I18N_DOMAINS); do \
	  JISR_I18N_DOMAIN=$$d $(VENV)/bin/pybabel -q extract -F babel.cfg --no-location \
	    --project jisr-assistant -o locales/$$d.pot . || exit 1; echo "locales/$$d.pot"; done

i18n-update: i18n-extract ## add new keys as empty entries to every catalogue (pybabel update on a copy, then checked)
	@rm -rf var/i18n-update && mkdir -p var && cp -r locales var/i18n-update
	@for d in $(I18N_DOMAINS); do for l in $(I18N_LOCALES); do \
	  $(VENV)/bin/pybabel -q update -i locales/$$d.pot -d var/i18n-update -D $$d -l $$l --init-missing \
	    --no-fuzzy-matching --width 100 --ignore-pot-creation-date || exit 1; done; done
	@$(PY) -m bot.i18n.safe_update var/i18n-update locales $${ALLOW_OBSOLETE:+--allow-obsolete}

train: install ## train the model if data, domain or config changed
	$(PY) -m bot.training

run: train ## install, train if needed, start the assistant (REST on 127.0.0.1:5005)
	$(PY) -m bot.launcher

shell: ## talk to the running assistant in the terminal
	$(PY) -m bot.chat --port $${RASA_PORT:-5005}

validate: install ## every content check (Rasa's validation included), each problem once as file:line
	@$(PY) -m bot.checks

lint: install ## ruff, and the layer contracts of pyproject.toml (import-linter)
	$(VENV)/bin/ruff check bot actions tests scripts
	$(VENV)/bin/ruff format --check bot actions tests scripts
	$(VENV)/bin/lint-imports

test: train lint deploy-check ## lint, deploy-check, then the whole test suite
	$(PY) -m pytest

retrain-check: install ## train a candidate on the current data, refuse if any variety's held-out F1 drops (MARGIN=0.02)
	flock /tmp/jisr-train.lock nice -n 10 $(PY) -m scripts.retrain_check --margin $${MARGIN:-0.02}

coverage: install ## table intent x variety: examples and cross-validation F1 (reports/nlu_coverage.html); FOLDS=2
	nice -n 10 $(PY) -m scripts.coverage_report --folds $${FOLDS:-2}

eval: install ## 5-fold NLU cross-validation per variety (reports/); VARIANT=intents-only|diet|no-dense|no-arabizi-folding|rasa-default
	$(PY) -m scripts.evaluate_nlu --folds 5 --variant $${VARIANT:-project}

eval-blind: train ## the trained model on the blind NLU set, per variety (errors in reports/tmp/)
	$(PY) -m scripts.evaluate_blind

deploy-check: install ## render deploy/k8s and check it, compose.yaml and the Dockerfile offline (docs/deploy.md)
	@bash scripts/ensure_kubectl.sh
	$(PY) -m scripts.deploy_check

eval-facts: install ## facts read from first messages (tests/data/eligibility_facts/), questions skipped because already answered
	$(PY) -m scripts.evaluate_facts

bench: train ## training time, parse latency, REST round trip (prints numbers)
	$(PY) -m scripts.bench

DOCS_IMAGES_TESTS := tests/test_console_browser.py tests/test_review_browser.py tests/test_handoff_e2e_browser.py

docs-images: train ## refresh the console screenshots the docs show (reports/*.png; needs /usr/bin/chromium)
	$(PY) -m pytest $(DOCS_IMAGES_TESTS) -q -p no:cacheprovider --screenshots reports

.PHONY: help install i18n-compile i18n-check i18n-extract i18n-update train run shell validate lint test eval eval-blind bench \
  deploy-check eval-facts docs-images \
  retrain-check coverage

purge: install ## delete conversations past their retention period (data/privacy/retention.yml)
	$(PY) -m bot.ops.purge

.PHONY: purge

review-collect: install ## collect misunderstood messages into the console's review queue (safe to repeat)
	nice -n 10 $(PY) -m bot.review.collect

.PHONY: review-collect

bench-search: install ## recall@1/@3 of semantic service search per variety and backend
	$(PY) -m scripts.bench_search

.PHONY: bench-search

import-centers: install ## validate and import a centres CSV: make import-centers FILE=path.csv
	$(PY) -m bot.geo.import_centers $(FILE)

.PHONY: import-centers

bench-safety: train ## emergency-path recall, false alarms, time to the first emergency reply
	$(PY) -m scripts.bench_safety

.PHONY: bench-safety

bench-danger-classes: train ## per danger class and variety: messages reaching emergency / violence support
	$(PY) -m scripts.danger_classes

.PHONY: bench-danger-classes

telegram: train ## the bot on Telegram without a public URL (long polling); needs TELEGRAM_TOKEN
	$(PY) -m bot.telegram_local

bench-channels: train ## Telegram/WhatsApp webhook-to-reply latency and Telegram throughput (local API stub)
	$(PY) -m scripts.bench_channels

.PHONY: telegram bench-channels

run-prod: train ## production profile (LOCAL_TRIAL=1 on this machine's default credentials): 2 Rasa + 2 action servers + console behind nginx, on PostgreSQL/Redis/RabbitMQ (docs/deploy.md)
	@bash scripts/ensure_nginx.sh
	JISR_LOCAL_TRIAL=$${JISR_LOCAL_TRIAL:-$(LOCAL_TRIAL)} $(PY) -m bot.ops.prod

bench-load: train ## p50/p95/p99 and msg/s at 10/50/200 conversations: embedded, production profile, rasa init
	@bash scripts/ensure_nginx.sh
	$(PY) -m scripts.bench_load

bench-cpu: train ## CPU ms per message of each process of the production profile (docs/capacity.md)
	@bash scripts/ensure_nginx.sh
	$(PY) -m scripts.bench_cpu


bench-faults: train ## the production profile under paced load while one process of each kind is SIGKILLed
	@bash scripts/ensure_nginx.sh
	$(PY) -m scripts.bench_faults

.PHONY: run-prod bench-load bench-cpu bench-faults

console: install ## the caseworker console alone (http://127.0.0.1:$CONSOLE_PORT, default 5006)
	$(PY) -m bot.ops.console serve

console-user: install ## add a console user: make console-user USERNAME=x ROLE=supervisor (password prompted)
	@test -n "$(USERNAME)" || { echo "usage: make console-user USERNAME=name ROLE=caseworker|supervisor|editor"; exit 2; }
	$(PY) -m bot.ops.console create-user --username "$(USERNAME)" --role "$(or $(ROLE),caseworker)"

bench-console: install ## console: queue page with 1,000 handoffs, 100-trial claim race, reply relay latency
	$(PY) -m scripts.bench_console

.PHONY: console console-user bench-console

bench-handoff: train ## relay latency of a live handoff, both ways, through Rasa, the action server and the console
	$(PY) -m scripts.bench_handoff

.PHONY: bench-handoff

bench-redaction: install ## time to redact 1 kB, 16 kB and 1 MB of text of several shapes (linear growth)
	$(PY) -m scripts.bench_redaction

bench-abuse: train ## p50/p95 reply time of 20 citizens per channel, alone and while one client floods it
	$(PY) -m scripts.bench_abuse

.PHONY: bench-redaction bench-abuse
