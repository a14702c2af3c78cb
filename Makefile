# The two commands of the quick start:
#   make run   - set up .venv, migrate the SQLite database and serve on http://127.0.0.1:8080
#   make test  - set up .venv and run the whole test suite
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run test migrate bench i18n clean help

help:
	@echo "make run    set up and serve Moot on http://127.0.0.1:8080 (SQLite in ./data)"
	@echo "make test   set up and run the test suite (also on PostgreSQL when MOOT_TEST_DATABASE_URL is set)"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make i18n   extract the UI's strings to web/translations/messages.pot and update the catalogues"

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

# One pytest worker per core; a file's tests stay on one worker so its module fixtures are built once.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(VENV)/bin/python bench/inbox_bench.py
	$(VENV)/bin/python bench/fanout_bench.py
	$(VENV)/bin/python bench/render_bench.py
	$(VENV)/bin/python bench/poll_votes_bench.py
	$(VENV)/bin/python bench/search_bench.py
	$(VENV)/bin/python bench/activity_costs_bench.py
	$(VENV)/bin/python bench/streaming_bench.py

# Extract every UI string (babel.cfg says where) and merge the new ones into each catalogue; then translate
# the empty msgstr entries in web/translations/<locale>/LC_MESSAGES/messages.po. Moot compiles .po files
# in memory at start-up, so only .pot and .po files are committed.
I18N_DIR := web/translations
i18n: $(STAMP)
	$(VENV)/bin/pybabel -q extract -F babel.cfg --add-location=file --sort-output --width=110 \
		--project=Moot --version=0.1 --copyright-holder="Moot contributors" -o $(I18N_DIR)/messages.pot .
	$(VENV)/bin/pybabel -q update -i $(I18N_DIR)/messages.pot -d $(I18N_DIR) -D messages \
		--no-fuzzy-matching --ignore-obsolete --width=110 --init-missing -l nl

clean:
	rm -rf $(VENV) build *.egg-info
