# The two commands of the README: `make run` (serve the site) and `make test` (every test).
# Everything else here is what those two need, made only when it is missing or out of date.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
TEST_PACKAGES := chromium chromium-driver fonts-noto-cjk default-jre-headless postgresql nginx
export FLASK_APP := barrierfree

# What gets installed: every package at one version, each file checked against its hash
# (pip refuses one that does not match). Written from pyproject.toml by `make lock`.
RUN_LOCK := requirements/run.txt
TEST_LOCK := requirements/test.txt

.PHONY: run demo test install install-test database translations test-packages messages lint lock

# The site as it is served: gunicorn, the app loaded once before the workers start.
# The access log leaves out the token of a resident's private status link and every
# visitor's network address (site/access_log.py).
# A request line up to gunicorn's largest (8 KB, as nginx's) reaches the app, whose pages
# answer it; gunicorn's own bare English page answers only a longer one.
SERVE = $(BIN)/gunicorn --preload --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - \
	--no-control-socket --limit-request-line 8190 \
	--logger-class barrierfree.access_log.AccessLogger "barrierfree:create_app()"

# What is true only: the plan, its services and what staff published (no demo pack).
run: install database
	$(BIN)/flask content remove-demo
	$(SERVE)

# The site with the demo pack's invented places and contacts, bannered on every page, to try
# it out; `flask content remove-demo` takes them out again.
demo: install database
	$(BIN)/flask content load --demo
	$(BIN)/flask search rebuild
	$(SERVE)

# tests/ runs on both CPUs (pytest-xdist, a test module per worker, so module fixtures are
# made once), first on SQLite, then again on a PostgreSQL server of its own that the tests
# start from Debian's package and stop (tests/databases.py). The browser tests follow: the
# journeys on both CPUs too (each waits on the page's own timers much of the time, so two
# fill what one leaves idle), then the sweep of every page alone, as it keeps both CPUs
# busy with two browsers of its own. All always run; any failing fails the target.
# Python keeps what it compiles (under __pycache__/, ignored by git) even where the machine
# says not to: every pytest process (each worker of each run, and every command a test
# starts) would otherwise compile the site again and rewrite every test module's asserts,
# some 8 seconds of each run's start on this machine's two CPUs.
SWEEP := a11y_tests/test_every_page.py
test: export PYTHONDONTWRITEBYTECODE :=
test: install-test translations test-packages lint
	@$(BIN)/pytest tests -n 2 --dist loadfile; sqlite=$$?; \
	$(BIN)/pytest tests -n 2 --dist loadfile --database postgres; postgres=$$?; \
	$(BIN)/pytest a11y_tests -n 2 --dist loadfile --ignore $(SWEEP); journeys=$$?; \
	$(BIN)/pytest $(SWEEP); sweep=$$?; \
	exit $$(( sqlite || postgres || journeys || sweep ))

install: $(VENV)/.installed node_modules/.package-lock.json translations

install-test: install $(VENV)/.installed-test

# The site itself last, linked to the checkout and without dependencies: they all came
# from the lock, its build backend (setuptools) too, so nothing is fetched unchecked. Its
# package takes htmx from node_modules/, so that comes first.
$(VENV)/.installed: $(RUN_LOCK) pyproject.toml node_modules/.package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(RUN_LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed $(TEST_LOCK)
	$(BIN)/pip install --quiet --require-hashes -r $(TEST_LOCK)
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d site/translations -D messages

database: install
	$(BIN)/flask db upgrade
	$(BIN)/flask content load
	$(BIN)/flask search rebuild

# From Debian's packages: Chromium, its driver and a CJK font for a11y_tests/, and Java for
# the W3C Nu HTML Checker (vnu-jar, from npm) in tests/test_html_validity.py.
test-packages:
	@if dpkg -s $(TEST_PACKAGES) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_PACKAGES); \
	else \
		echo "The tests need Debian's packages: $(TEST_PACKAGES)"; \
		echo "Install them with: sudo apt-get install $(TEST_PACKAGES)"; \
		exit 1; \
	fi

# Refresh the message catalogue after changing interface strings.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o site/translations/messages.pot .
	$(BIN)/pybabel update -i site/translations/messages.pot -d site/translations -l en --no-fuzzy-matching --ignore-obsolete

# Every Python folder; `make test` runs this first.
PYTHON_FOLDERS := site search tests a11y_tests benchmarks

lint: install-test
	$(BIN)/ruff check $(PYTHON_FOLDERS)
	$(BIN)/ruff format --check $(PYTHON_FOLDERS)
	$(BIN)/mypy site search

# After adding or upgrading a dependency in pyproject.toml: write both lock files anew and
# commit them with it. Locked versions stay while pyproject.toml allows them; to upgrade,
# `make lock LOCK_OPTIONS="--upgrade-package flask"` (or `--upgrade` for everything). The
# locks hold the build backend too (the site itself is installed without build isolation)
# and name no package index (each machine keeps its own pip settings); the test lock keeps
# the run lock's versions, so the tests run what the site runs.
# pip-compile pins what the Python running it needs: write the locks with the oldest 3.11 the
# site runs on, Debian 12's own python3.11 (3.11.2), in a venv of its own, e.g.
# `make lock PYTHON=/usr/bin/python3.11 VENV=../barrierfree-lock-venv`. A newer 3.11 leaves
# out async-timeout (redis needs it below 3.11.3) and may pin a package that needs a newer
# 3.11; tests/test_locks.py fails on either.
LOCK_OPTIONS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --all-build-deps --strip-extras --no-emit-index-url --no-emit-find-links \
	$(LOCK_OPTIONS)

lock: $(VENV)/.installed-test
	$(PIP_COMPILE) --output-file $(RUN_LOCK) pyproject.toml
	$(PIP_COMPILE) --extra test --constraint $(RUN_LOCK) --output-file $(TEST_LOCK) pyproject.toml
