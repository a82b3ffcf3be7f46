# The two commands a newcomer needs: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## create .venv and install the Python dependencies

run: install ## set up everything and start the web server and a Celery worker
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py serve $(HOST):$(PORT)

worker: install ## start only a Celery worker (development settings unless DJANGO_SETTINGS_MODULE is set)
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-contentcuration.settings.dev} \
		$(VENV)/bin/celery -A contentcuration worker --loglevel=INFO

test: install ## run the test suite (SQLite, or the database in DATABASE_URL)
	DJANGO_SETTINGS_MODULE=contentcuration.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## ruff format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-trees: install ## verify the nested-set invariants of every tree
	$(PY) manage.py check_trees

bench: install ## run the benchmarks (set DATABASE_URL for PostgreSQL figures)
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean: ## remove the virtualenv and local data
	rm -rf $(VENV) data

.PHONY: help install run worker test lint format check-trees bench clean
