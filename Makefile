# Two commands: `make run` serves the demo village, `make test` passes the suite.
# Each installs what it needs first, and no more:
#   make run   the package and its runtime dependencies in .venv, htmx from npm,
#              compiled translations (setup-run);
#   make test  that plus the test tools: pytest, hypothesis, Playwright; axe-core and
#              vnu-jar from npm (setup); and Debian's Chromium, Java and WeasyPrint's Pango,
#              HarfBuzz and DejaVu fonts (system-packages,
#              through apt-get: as root or with sudo).
# An install is redone only when pyproject.toml or package-lock.json changes: the stamp
# files below remember what was installed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PIP_RUN := $(VENV)/.installed-run
PIP_TEST := $(VENV)/.installed-test
# `npm ci` empties node_modules first, so these stamps vanish with what they stand for.
NPM_RUN := node_modules/.installed-run
NPM_TEST := node_modules/.installed-test

.PHONY: setup setup-run run test system-packages translations extract-messages bench \
	lighthouse screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(PIP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The test extras include everything serving needs, so they count as its install too.
$(PIP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(PIP_RUN)

$(NPM_RUN): package.json package-lock.json
	npm ci --omit=dev --no-audit --no-fund --silent
	touch $@

$(NPM_TEST): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@ $(NPM_RUN)

# What serving needs.
setup-run: $(PIP_RUN) $(NPM_RUN)
	$(MAKE) --no-print-directory translations

# What serving and the test suite need (but the Debian packages: see system-packages).
setup: $(PIP_TEST) $(NPM_TEST)
	$(MAKE) --no-print-directory translations

translations:
	$(BIN)/pybabel compile --statistics -d translations

extract-messages: $(BIN)/python
	$(BIN)/pybabel extract --no-location -F babel.cfg -k N_ -o translations/messages.pot \
		app.py workflow templates
	$(BIN)/pybabel update -N -i translations/messages.pot -d translations

system-packages:
	bash scripts/install-system-packages

run: setup-run
	$(BIN)/flask --app app seed-demo
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: setup system-packages
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto --durations=30

bench: setup-run
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/weight.py

# The README's screenshots (docs/screenshots/), at 360 px in Debian's Chromium.
screenshots: setup system-packages
	$(BIN)/python scripts/screenshots.py

# Lighthouse (mobile) on the demo village: scores into docs/lighthouse.md (see there).
lighthouse: setup-run
	bash scripts/lighthouse.sh
