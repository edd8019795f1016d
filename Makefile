# Qabyldau: `make run` serves the demo, `make test` runs the suite. Both need only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
TRANSLATIONS := reception/translations
LOCALES := kk ru en

.PHONY: run test test-fast lint format translations extract-messages update-translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

# Compiled catalogues (.mo) are build products, made from the .po files in git.
translations: $(VENV)/.installed-run
	$(BIN)/pybabel compile -d $(TRANSLATIONS) -D messages

run: $(VENV)/.installed-run translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) serve --host 127.0.0.1 --port 5000

# Everything, on both databases (TEST_DATABASES is cleared so nothing narrows the run).
test: $(VENV)/.installed-dev translations
	TEST_DATABASES= $(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: SQLite only, and no test that starts another process (worker, LibreOffice, Chromium, npm).
test-fast: $(VENV)/.installed-dev translations
	TEST_DATABASES=sqlite $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# ruff's lint and format check (settings in pyproject.toml); `make format` rewrites the files.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# For developers: refresh messages.pot from the code and merge it into every catalogue.
extract-messages: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F $(TRANSLATIONS)/babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o $(TRANSLATIONS)/messages.pot reception templates

update-translations: extract-messages
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(BIN)/python $(TRANSLATIONS)/fill_english.py

clean:
	rm -rf $(VENV) instance
