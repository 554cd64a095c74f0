# Sitting: `make run` to try it, `make test` to test it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The newest Python 3.11+ on this machine.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  && echo $$p && break; done)
PORT ?= 8000

.PHONY: run test lint format worker bench install migrate demo clean pins bench-against

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Sitting needs Python 3.11 or newer; please install it."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed

# Try Sitting on this machine: SQLite, the embedded broker, emails in var/outbox/.
# A first run writes .env with DEBUG=true, so manage.py commands typed by hand agree with it.
run: install
	@test -f .env || printf '# Written by make run for trying Sitting on this machine.\n# Not for production: see the README.\nDEBUG=true\n' > .env
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --new-site-only
	$(BIN)/python manage.py ensure_admin
	@echo
	@echo "  Sitting is starting at   http://127.0.0.1:$(PORT)/"
	@echo "  The studio admin is at   http://127.0.0.1:$(PORT)/admin/"
	@echo "  Emails are written to    var/outbox/   (press Ctrl-C to stop everything)"
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" PORT=$(PORT) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/honcho start --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A studio worker --loglevel INFO --queues default,images

# Every benchmark runs even when an earlier one misses its floor; the run fails at the end if any did.
BENCHES := slots broker thumbnails pipeline heic_delivery documents culling people pages
bench: install
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	@failed=""; for b in $(BENCHES); do echo; echo "==> bench/$$b.py"; \
	  $(BIN)/python bench/$$b.py || failed="$$failed $$b"; done; \
	if [ -n "$$failed" ]; then echo; echo "Below their floors:$$failed"; exit 1; fi

# The requests people wait on, this working tree against a commit: make bench-against COMMIT=<sha>
bench-against: install
	$(BIN)/python bench/commits.py $(COMMIT)

# After editing requirements*.in: compile the pinned, hashed requirements*.txt (pip-tools, in
# a throwaway venv). Pins already in the .txt files are kept unless the .in files ask otherwise;
# `make pins UPGRADE=--upgrade` moves everything to the newest allowed.
PIP_COMPILE = var/pip-tools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links $(UPGRADE)
pins:
	@test -x var/pip-tools/bin/pip-compile || { $(PYTHON) -m venv var/pip-tools && \
	  var/pip-tools/bin/pip install --quiet pip-tools==7.7.0; }
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) var
