# socscope: `make run` serves the app on SQLite; `make test` runs every check and the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1:8000

.PHONY: run test lint bench profile migrations audit serve-prod clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) seed_demo
	@echo "Sign in at http://$(HOST)/ with one of the accounts above."
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) runserver $(HOST)

test: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_DEBUG=1 $(MANAGE) makemigrations --check --dry-run --noinput
	$(PY) -m pytest -n $${PYTEST_WORKERS:-2} --create-db

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Regenerates the initial migration from the models (pre-release: there is no deployed database to migrate).
migrations: $(VENV)/.dev
	rm -f assessments/migrations/0*.py
	DJANGO_DEBUG=1 $(MANAGE) makemigrations assessments --name initial
	$(VENV)/bin/ruff format assessments/migrations >/dev/null

bench: $(VENV)/.dev
	$(PY) bench/run.py

profile: $(VENV)/.dev
	$(PY) bench/profile.py

audit: $(VENV)/.dev
	$(VENV)/bin/bandit -q -c pyproject.toml -r assessments socscope -lll

serve-prod: $(VENV)/.runtime
	$(MANAGE) collectstatic --noinput
	$(MANAGE) migrate --noinput
	$(VENV)/bin/gunicorn socscope.wsgi --bind $(HOST) --workers $${WEB_CONCURRENCY:-2} --max-requests 1000 --max-requests-jitter 100 --timeout 90

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
