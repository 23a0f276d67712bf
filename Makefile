# Stagematching: `make run` serves the app with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := STAGEMATCHING_ENV=development $(BIN)/flask --app wsgi
CHROMIUM := /usr/bin/chromium

.PHONY: run test e2e-deps bench-deps translations messages lint bench bench-allocation clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) demo-data
	@echo "Stagematching runs on http://127.0.0.1:5000 (Ctrl+C stops it)"
	$(FLASK) run --host 127.0.0.1 --port 5000

# Debian's Chromium for the browser tests; installed when missing and we may (root).
e2e-deps:
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# The suite in TEST_WORKERS processes (pytest-xdist); each has its own PostgreSQL database.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-dev translations e2e-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# Every role's pages at 1366 px and 390 px (phone) as PNG in screenshots/, from the demo data.
screenshots: $(VENV)/.installed-dev translations e2e-deps
	$(BIN)/python -m pytest tests/e2e/screenshots.py -q -p no:cacheprovider

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check app tests config.py wsgi.py gunicorn.conf.py bench
	$(BIN)/ruff format --check app tests config.py wsgi.py gunicorn.conf.py bench

# Debian's wrk drives the load; installed when missing and we may (root).
bench-deps:
	@if ! command -v wrk >/dev/null && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian wrk for the benchmark"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	fi

# The busiest day at a full year's size, as deployed (bench/__main__.py); BENCH_DATABASE_URL
# adds PostgreSQL. Writes bench/results.json.
bench: $(VENV)/.installed-dev translations bench-deps
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.allocation

# The allocation proposal at full size (bench/allocation.py): the algorithm, the ratio to the
# matching library, the whole "Voorstel maken" request (SQLite; PostgreSQL with
# BENCH_DATABASE_URL). Writes bench/allocation_results.json; `make bench` runs it at its end.
bench-allocation: $(VENV)/.installed-dev
	$(BIN)/python -m bench.allocation

clean:
	rm -rf $(VENV) instance .pytest_cache

# Refresh the English catalogue after changing UI strings (Dutch is the source language).
# Folders starting with _ are searched too (babel skips them by default): templates/_macros.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l --ignore-dirs='.* __pycache__' -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations
