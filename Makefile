# The two commands of the README: `make run` (serve the site) and `make test` (every test).
# Everything else here is what those two need, made only when it is missing or out of date.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
TEST_PACKAGES := chromium chromium-driver fonts-noto-cjk default-jre-headless
export FLASK_APP := barrierfree

.PHONY: run test install install-test database translations test-packages messages lint

run: install database
	$(BIN)/gunicorn --preload --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - "barrierfree:create_app()"

test: install-test translations test-packages lint
	$(BIN)/pytest

install: $(VENV)/.installed node_modules/.package-lock.json translations

install-test: install $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
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
	$(BIN)/mypy search
