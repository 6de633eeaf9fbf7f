# Joint Enforcement Portal — developer commands.
#   make run    quick start: install, migrate, load the demo, then web + Celery worker + beat (Ctrl-C stops all)
#   make test   the whole test suite
#   make lint   ruff and the migrations check (as CI runs it)
# Needs only Python 3.11 and Node.js/npm; everything else is installed into .venv and node_modules.

SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
WEB_PORT ?= 8000
# The quick start has no secret key: management commands run with DEBUG on unless the environment says otherwise.
MANAGE := DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py
PYTEST_ARGS ?=

.PHONY: run test lint totp install python-packages node-packages translations migrate demo clean

run: export DJANGO_DEBUG = 1
run: export PYTHONUNBUFFERED = 1
run: export WEB_PORT := $(WEB_PORT)
run: export PORTAL_BASE_URL ?= http://127.0.0.1:$(WEB_PORT)
run: install .env translations migrate demo
	@echo "Portal: http://127.0.0.1:$(WEB_PORT)/  (mails are written to var/mail/*.eml; Ctrl-C stops everything)"
	@# honcho exits with 130 when stopped with Ctrl-C: that is the normal end, not an error.
	$(BIN)/honcho --procfile Procfile.dev --no-colour start || test $$? -eq 130

test: install translations
	$(BIN)/pytest $(PYTEST_ARGS)

# The current one-time code of the demo leaders' and administrators' authenticator.
totp: python-packages
	@$(MANAGE) demo_totp

# The quick start's settings for `manage.py` typed by hand in this checkout (git ignores .env).
.env:
	@printf '# Written by make run for the quick start. Production reads real environment variables.\nDJANGO_DEBUG=1\n' > $@

lint: python-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

# --- internal steps ----------------------------------------------------------------------------
install: python-packages node-packages

python-packages: $(VENV)/.requirements.stamp

node-packages: node_modules/.package-lock.stamp

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalled only when requirements.txt changes (or the venv is new).
$(VENV)/.requirements.stamp: requirements.txt | $(BIN)/python
	@echo "Installing Python packages into $(VENV) (the first time takes a few minutes)…"
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	touch $@

node_modules/.package-lock.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Pure Python (polib): no GNU gettext needed. The .mo files are not committed.
translations: python-packages
	$(MANAGE) compile_translations

migrate: python-packages
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

# Forget the quick start's data: database, uploads, mails, broker messages, beat schedule.
clean:
	rm -rf var staticfiles
