# Two commands: `make run` serves the demo village, `make test` passes the suite.
# Both install what they need first (Python packages in .venv, htmx from npm,
# compiled translations; `make test` also Debian's Chromium).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup run test system-packages translations extract-messages bench lighthouse screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	npm ci --no-audit --no-fund --silent
	$(MAKE) --no-print-directory translations

translations:
	$(BIN)/pybabel compile --statistics -d translations

extract-messages: $(BIN)/python
	$(BIN)/pybabel extract --no-location -F babel.cfg -k N_ -o translations/messages.pot \
		app.py workflow templates
	$(BIN)/pybabel update -N -i translations/messages.pot -d translations

system-packages:
	bash scripts/install-system-packages

run: setup
	$(BIN)/flask --app app seed-demo
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: setup system-packages
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/weight.py

# The README's screenshots (docs/screenshots/), at 360 px in Debian's Chromium.
screenshots: setup system-packages
	$(BIN)/python scripts/screenshots.py

# Lighthouse (mobile) on the demo village: scores into docs/lighthouse.md (see there).
lighthouse: setup
	bash scripts/lighthouse.sh
