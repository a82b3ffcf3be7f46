# The two commands a newcomer needs: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
NPM ?= npm
FRONTEND := frontend
# What a build depends on: `make run` rebuilds only when one of these changed.
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src -type f 2>/dev/null) $(wildcard $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig.json $(FRONTEND)/public/*)

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## create .venv and install the Python dependencies

# Stamp files: `npm ci` when the lock file changed, a build when a source changed.
$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "npm not found: install Node.js 20 or newer"; exit 1; }
	cd $(FRONTEND) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM) ci --no-audit --no-fund
	touch $@

$(FRONTEND)/dist/.built: $(FRONTEND)/node_modules/.installed $(FRONTEND_SOURCES)
	cd $(FRONTEND) && $(NPM) run build
	touch $@

frontend: $(FRONTEND)/dist/.built ## install the browser app's packages and build it (when changed)

run: install frontend ## set up everything and start the web server and a Celery worker
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/, API: http://$(HOST):$(PORT)/api/docs/)"
	@echo "First-time login: $${SETUP_ADMIN_EMAIL:-a@a.com} / $${SETUP_ADMIN_PASSWORD:-a} (development settings; see README)"
	$(PY) manage.py serve $(HOST):$(PORT)

dev: install $(FRONTEND)/node_modules/.installed ## the app with hot reload (Vite, :5173) in front of Django and a worker (:8000)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup
	@echo "Open http://$(HOST):5173/ (Vite, hot reload); Vite forwards /api and the account endpoints to :$(PORT)"
	trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py serve $(HOST):$(PORT) & \
	cd $(FRONTEND) && DJANGO_URL=http://$(HOST):$(PORT) $(NPM) run dev -- --host $(HOST)

worker: install ## start only a Celery worker (development settings unless DJANGO_SETTINGS_MODULE is set)
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-contentcuration.settings.dev} \
		$(VENV)/bin/celery -A contentcuration worker --loglevel=INFO

# With PYTEST_ARGS set only pytest runs (a quick look at a few files); E2E=1 adds the browser suite.
test: install ## run the test suite: pytest, then the app's type check and units (and E2E=1: browser tests)
	DJANGO_SETTINGS_MODULE=contentcuration.settings.test $(PY) -m pytest $(PYTEST_ARGS)
ifeq ($(PYTEST_ARGS),)
	$(MAKE) test-frontend
ifneq ($(E2E),)
	$(MAKE) test-e2e
endif
endif

test-frontend: $(FRONTEND)/node_modules/.installed ## the app's type check (vue-tsc) and unit tests (Vitest)
	cd $(FRONTEND) && $(NPM) run typecheck && $(NPM) run test:unit

test-e2e: install frontend ## the browser tests (Playwright, /usr/bin/chromium) against a live server and worker
	cd $(FRONTEND) && PYTHON=$(abspath $(PY)) npx playwright test $(E2E_ARGS)

# The packages mypy checks: the domain packages, and the adapters whose types are fixed; a
# listed path that does not exist is skipped, not an error.
MYPY_PATHS := $(wildcard $(addprefix contentcuration/,tree publish channels nodes files viewsets/file_transfer.py))

lint: install ## ruff (lint, format check), the import contracts (lint-imports) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy $(MYPY_PATHS)

format: install ## ruff format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-trees: install ## verify the nested-set invariants of every tree
	$(PY) manage.py check_trees

bench: install frontend ## run the benchmarks (set DATABASE_URL for PostgreSQL figures)
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

# schemathesis lives in its own venv (its pins would fight ours): .venv-fuzz, built on first use.
FUZZ_VENV ?= .venv-fuzz
FUZZ_EXAMPLES ?= 25
# hypothesis 6.130+ breaks schemathesis 3.x ("'many' object has no attribute 'more'"); 6.129.5
# works. The venv is (re)installed whenever these pins change.
FUZZ_PINS := "schemathesis>=3.39,<4" "hypothesis<6.130"
fuzz-api: install ## fuzz /api/schema/ with schemathesis against a running server (make run first): no 5xx, no schema violation
	test "$$(cat $(FUZZ_VENV)/.pins 2>/dev/null)" = '$(FUZZ_PINS)' || { \
		{ test -x $(FUZZ_VENV)/bin/pip || $(PYTHON) -m venv $(FUZZ_VENV); } && \
		$(FUZZ_VENV)/bin/pip install --quiet $(FUZZ_PINS) && echo '$(FUZZ_PINS)' > $(FUZZ_VENV)/.pins; }
	TOKEN=$${TOKEN:-$$($(PY) manage.py drf_create_token $${SETUP_ADMIN_EMAIL:-a@a.com} | awk '{print $$3}')}; \
	$(FUZZ_VENV)/bin/schemathesis run http://$(HOST):$(PORT)/api/schema/ \
		--header "Authorization: Token $$TOKEN" \
		--checks not_a_server_error,response_schema_conformance \
		--hypothesis-max-examples $(FUZZ_EXAMPLES) --exclude-path-regex '/api/(internal/file_upload|change_password/)'

clean: ## remove the virtualenv, local data and the app's packages and build
	rm -rf $(VENV) data $(FRONTEND)/node_modules $(FRONTEND)/dist

distclean: clean ## clean, and also the acceptance venvs (.venv-kolibri, .venv-ricecooker, .venv-fuzz)
	rm -rf .venv-kolibri .venv-ricecooker .venv-fuzz

.PHONY: help install frontend run dev worker test test-frontend test-e2e lint format check-trees bench clean distclean fuzz-api
