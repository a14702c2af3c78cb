# The two commands of the quick start:
#   make run   - set up .venv, migrate the SQLite database and serve on http://127.0.0.1:8080
#   make test  - set up .venv and run the whole test suite
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run test migrate bench clean help

help:
	@echo "make run    set up and serve Moot on http://127.0.0.1:8080 (SQLite in ./data)"
	@echo "make test   set up and run the test suite (also on PostgreSQL when MOOT_TEST_DATABASE_URL is set)"
	@echo "make bench  run the benchmarks in bench/"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Moot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/moot migrate
	$(VENV)/bin/moot serve --no-migrate

migrate: $(STAMP)
	$(VENV)/bin/moot migrate

test: $(STAMP)
	$(VENV)/bin/pytest -q

bench: $(STAMP)
	$(VENV)/bin/python bench/inbox_bench.py
	$(VENV)/bin/python bench/fanout_bench.py

clean:
	rm -rf $(VENV) build *.egg-info
