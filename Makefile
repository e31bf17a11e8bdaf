# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# How many demo articles `make run` keeps beside the seed report (for related articles).
DEMO ?= 12
# The test suite runs with production settings (DEBUG off) over plain HTTP.
TEST_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=insecure-key-for-the-test-suite-only NEWSROOM_HTTPS=0
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/newsroom
# The suite runs in this many processes (pytest-xdist), one per core of a CI machine;
# the longest tests start first (conftest.py). WORKERS=0 runs it in this process.
WORKERS ?= 2
PYTEST := $(PY) -m pytest -n $(WORKERS) --dist load --maxschedchunk 1

.PHONY: run test test-postgres test-fast bench lighthouse lint audit messages system-deps clean

$(VENV)/.run-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## run: install, migrate, seed the report, create demo accounts, serve on 127.0.0.1:8000 with a worker for jobs
run: $(VENV)/.run-installed
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py seed_newsroom --demo-at-least $(DEMO)
	DJANGO_DEBUG=1 $(PY) manage.py create_demo_accounts
	@echo
	@echo "  Reader site:  http://$(HOST):$(PORT)/   (English: http://$(HOST):$(PORT)/en/)"
	@echo "  Admin:        http://$(HOST):$(PORT)/admin/"
	@echo
# The worker runs queued jobs (docs/deploy.md); it stops when the server does.
	DJANGO_DEBUG=1 $(PY) manage.py newsroom_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite on SQLite, browser tests included
test: $(VENV)/.dev-installed system-deps
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(PYTEST)

## test-postgres: the suite (browser tests aside) on the PostgreSQL server in POSTGRES_URL
test-postgres: $(VENV)/.dev-installed
	$(TEST_ENV) DATABASE_URL=$(POSTGRES_URL) $(PYTEST) -m "not browser" --create-db

## test-fast: the suite without the browser
test-fast: $(VENV)/.dev-installed
	$(TEST_ENV) $(PYTEST) -m "not browser"

## bench: seed 1k and 10k articles (SQLite), 1k and 100k (PostgreSQL), measure every page
## in-process and under gunicorn with wrk, print one table of ratios to a trivial view
bench: $(VENV)/.dev-installed system-deps
	$(PY) bench/run.py $(BENCH_ARGS)

## lighthouse: Lighthouse (mobile) on home, the seed report and its section in both languages: scores and CLS
lighthouse: $(VENV)/.dev-installed system-deps
	$(PY) bench/lighthouse.py

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## audit: bandit over our code, pip-audit over the pinned dependencies (docs/security.md)
audit: $(VENV)/.dev-installed
	$(VENV)/bin/bandit -c pyproject.toml -q -r articles staff newsroom bench manage.py bin/audit-dependencies
	bin/audit-dependencies $(PY)

## messages: refresh locale/*.po from the code and compile them (needs GNU gettext)
messages: $(VENV)/.run-installed
	DJANGO_DEBUG=1 $(PY) manage.py makemessages --locale ar --locale en --no-obsolete --add-location file
	DJANGO_DEBUG=1 $(PY) manage.py compilemessages --locale ar --locale en --ignore ".venv"

## system-deps: GNU gettext and Debian's Chromium, for the translation and browser tests
system-deps:
	bin/ensure-system-deps

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
