# One Makefile, used the same way locally and in CI.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_OUT ?= veille-demo

# Debian packages: WeasyPrint's libraries (PDF reports), Chromium (browser tests), pdftoppm, and an emoji
# font for the dashboard's pictographs (the reports print theirs as badges and country codes anyway).
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-color-emoji chromium poppler-utils
# ... and for `make bench`: wrk drives the web benchmark's load.
BENCH_APT_PACKAGES := wrk
# A package lock held by another apt run (common on a fresh machine) is waited for, not a failure.
APT_WAIT := -o DPkg::Lock::Timeout=300

.PHONY: demo test lint format bench system-deps clean migration

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Installs the Debian packages when they are missing and we may (root, apt-get present).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    for try in 1 2 3 4 5 6 7 8 9 10; do \
	      apt-get $(APT_WAIT) update -qq && DEBIAN_FRONTEND=noninteractive apt-get $(APT_WAIT) install -y -qq $$missing >/dev/null \
	        && break; echo "apt-get failed (another apt run may hold the lock): trying again in 15 s"; sleep 15; \
	    done; \
	  else echo "warning: missing Debian packages:$$missing (PDF and browser tests will skip)"; fi; \
	fi

demo: $(STAMP) system-deps
	$(BIN)/veille demo --out $(DEMO_OUT)

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(MAKE) --no-print-directory system-deps APT_PACKAGES="$(APT_PACKAGES) $(BENCH_APT_PACKAGES)"
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) veille-data $(DEMO_OUT)

# The project has not shipped: the schema is one initial migration, regenerated from the models.
migration: $(STAMP)
	rm -f src/veille/store/migrations/versions/0001_initial_schema.py
	$(BIN)/python -c "import tempfile; from alembic import command; from veille.store.db import alembic_config; \
	command.revision(alembic_config('sqlite:///' + tempfile.mkdtemp() + '/x.db'), message='initial schema', autogenerate=True, rev_id='0001')"
	$(BIN)/ruff check --fix -q src/veille/store/migrations/versions/
	$(BIN)/ruff format -q src/veille/store/migrations/versions/
