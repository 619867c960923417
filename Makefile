# Carte Commune: the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
UV := $(VENV)/bin/uv
LOCK_FLAGS := --generate-hashes --python-version 3.11 --custom-compile-command "make lock"
FLASK := $(VENV)/bin/flask --app wsgi
APT_PACKAGES := postgresql-15 postgresql-15-postgis-3 redis-server chromium poppler-utils \
	libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core python3-venv \
	gdal-bin python3-gdal nginx-light
DB_USER := cartecommune
DB_NAME := cartecommune
TEST_DB_NAME := cartecommune_test
export DATABASE_URL ?= postgresql://$(DB_USER)@127.0.0.1:5432/$(DB_NAME)
export TEST_DATABASE_URL ?= postgresql://$(DB_USER)@127.0.0.1:5432/$(TEST_DB_NAME)
export REDIS_URL ?= redis://127.0.0.1:6379/0
export PYTHONDONTWRITEBYTECODE ?= 1
SECRET_KEY_FILE ?= var/secret_key
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: help run test lint format bench drill deps system services venv lock db db-test web-check clean-var secret-key

help:
	@echo "make run    install what is missing, migrate, seed the demo, serve http://$(HOST):$(PORT) (web + worker)"
	@echo "            PORT=8080 changes the port (and PUBLIC_BASE_URL, unless given); first admin: flask users create-admin"
	@echo "make test   install what is missing, lint, run the whole test suite on PostGIS + Redis"
	@echo "make bench  benchmarks (synthetic data at 100k and 1M contributions)"
	@echo "make lint   ruff check + ruff format --check"
	@echo "make drill  restart PostgreSQL (a cluster of its own) during a burst of writes: lost/duplicated writes"
	@echo "make lock   regenerate requirements*.lock (hashes) after editing requirements*.txt"

## --- installation (idempotent: a second run installs nothing) -------------------------------
system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

services: system
	@pg_isready -q -h 127.0.0.1 -p 5432 || { pg_ctlcluster --skip-systemctl-redirect 15 main start && sleep 1; }
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null

$(UV):
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv==$(UV_VERSION)

# Exactly the locked versions, each file checked against its hash (requirements*.txt are the inputs).
$(VENV)/.installed: requirements.lock requirements-dev.lock | $(UV)
	$(UV) pip install -q --python $(PY) --compile-bytecode --require-hashes -r requirements-dev.lock
	@touch $@

venv: $(VENV)/.installed

# After editing requirements*.txt: every transitive dependency pinned with its hashes (kept versions
# are preferred; the dev lock is constrained by the runtime lock so both install the same runtime).
lock: $(UV)
	$(UV) pip compile -q $(LOCK_FLAGS) requirements.txt -o requirements.lock
	$(UV) pip compile -q $(LOCK_FLAGS) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

deps: services venv

# Databases are created by the postgres superuser (CREATE EXTENSION postgis needs one), then owned by the app role.
db: deps
	@bash scripts/ensure_db.sh $(DB_USER) $(DB_NAME)

db-test: deps
	@bash scripts/ensure_db.sh $(DB_USER) $(TEST_DB_NAME)

# A random SECRET_KEY per install, created once (mode 0600, var/ is outside git), then reused.
secret-key:
	@bash scripts/ensure_secret_key.sh $(SECRET_KEY_FILE)

## --- the two commands ------------------------------------------------------------------------
run bench: export SECRET_KEY ?= $(shell cat $(SECRET_KEY_FILE) 2>/dev/null)
# Links in mails and printed QR codes point here: follows PORT unless PUBLIC_BASE_URL is given.
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: db secret-key
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@mkdir -p var/log
	@$(FLASK) users first-admin-hint
	@echo "Carte Commune: http://$(HOST):$(PORT)  (public address in mails and QR codes: $(PUBLIC_BASE_URL);"
	@echo "  worker log: var/log/worker.log, Ctrl-C stops both)"
	@# The worker runs under its supervisor: restarted with back-off whenever it exits.
	@$(PY) worker.py --supervise >> var/log/worker.log 2>&1 & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(VENV)/bin/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile - wsgi:app

test: db-test lint
	$(VENV)/bin/pytest -q -p no:cacheprovider tests

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: db secret-key
	$(PY) -m bench.run

# Not in `make test`: creates a PostgreSQL cluster of its own (root), restarts it mid-burst, drops it.
drill: deps
	PYTHONPATH=. $(PY) scripts/pg_drill.py

clean-var:
	rm -rf var/test
