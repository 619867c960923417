# Carte Commune: the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian's interpreter (an optimised build, like the production image's python:3.11), not whichever
# python3 comes first on PATH (a pyenv build without optimisations made every request ~15 % dearer).
PYTHON ?= /usr/bin/python3
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

.PHONY: help run test lint format bench capacity drill deps system services venv lock db db-test web-check clean-var secret-key npm \
	translations catalogs

help:
	@echo "make run    install what is missing, migrate, seed the demo, serve http://$(HOST):$(PORT) (web + worker)"
	@echo "            PORT=8080 changes the port (and PUBLIC_BASE_URL, unless given); first admin: flask users create-admin"
	@echo "make test   install what is missing, lint, run the whole test suite on PostGIS + Redis"
	@echo "make bench  benchmarks (synthetic data at 100k and 1M contributions)"
	@echo "make capacity  nginx + gunicorn + a streaming replica under a resident traffic mix (open loop)"
	@echo "make lint   ruff check + ruff format --check + eslint (static/js)"
	@echo "make drill  restart PostgreSQL (a cluster of its own) during a burst of writes: lost/duplicated writes"
	@echo "make translations  extract the strings to translate, update the en/ar catalogs, compile them"
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

## --- translations: French source strings, catalogs in app/translations (the .mo files are built, not committed)
PYBABEL := $(VENV)/bin/pybabel
TRANSLATIONS := app/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
# The options of every extraction (the completeness test runs the same one: tests/i18n/test_catalogs.py).
EXTRACT_FLAGS := -F babel.cfg --sort-output --add-location=file --no-wrap --omit-header --project="Carte Commune"

translations: venv
	$(PYBABEL) extract $(EXTRACT_FLAGS) -o $(TRANSLATIONS)/messages.pot .
	$(PYBABEL) update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --no-wrap \
	  --ignore-obsolete
	$(MAKE) --no-print-directory catalogs

# Compiled only when a catalog changed (idempotent); fuzzy entries are left out.
catalogs: $(COMPILED)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | venv
	$(PYBABEL) compile -l $* -i $< -o $@

## --- the two commands ------------------------------------------------------------------------
run bench capacity: export SECRET_KEY ?= $(shell cat $(SECRET_KEY_FILE) 2>/dev/null)
# Links in mails and printed QR codes point here: follows PORT unless PUBLIC_BASE_URL is given.
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: db secret-key catalogs
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@mkdir -p var/log
	@$(FLASK) users first-admin-hint
	@echo "Carte Commune: http://$(HOST):$(PORT)  (public address in mails and QR codes: $(PUBLIC_BASE_URL);"
	@echo "  worker log: var/log/worker.log, Ctrl-C stops both)"
	@# The worker runs under its supervisor: restarted with back-off whenever it exits.
	@$(PY) worker.py --supervise >> var/log/worker.log 2>&1 & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(VENV)/bin/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 --keep-alive 75 --access-logfile - wsgi:app

test: db-test lint catalogs
	$(VENV)/bin/pytest -q -p no:cacheprovider tests

# The JavaScript linter (eslint, from the npm registry, exact versions of package-lock.json; node_modules/
# is never committed): installed by `npm ci` when missing or when the lock changed, else nothing to do.
NPM_PACKAGES := node_modules/.installed
$(NPM_PACKAGES): package.json package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

npm: $(NPM_PACKAGES)

lint: venv npm
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	node_modules/.bin/eslint static/js

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: db secret-key
	$(PY) -m bench.run

# nginx (compose's site) + gunicorn + a pg_basebackup standby, open-loop mix at increasing rates (root).
# CAPACITY_ARGS="--rates 100 200 --step-seconds 10 --sizes 100000" to shorten or resize it.
capacity: db secret-key
	$(PY) -m bench.run --only capacity_bench $(CAPACITY_ARGS)

# Not in `make test`: creates a PostgreSQL cluster of its own (root), restarts it mid-burst, drops it.
drill: deps
	PYTHONPATH=. $(PY) scripts/pg_drill.py

clean-var:
	rm -rf var/test
