# Kabarsip: `make demo` runs an offline demo crawl, `make test` runs the test suite, `make
# test-fast` all but its end-to-end crawls and fault suites (marked `slow`), `make bench` the
# crawl benchmark (docs/PERFORMANCE.md).
# Each creates .venv and installs the project on first use.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-kabarsip
# pywb (a test dependency: archives must replay in it) gets a venv of its own, since its pins
# (brotlipy, redis 2, pyOpenSSL) would break Scrapy's in the project venv.
PYWB_VENV := .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed-pywb
# ReplayWeb.page (its ui.js and sw.js, from the npm package), for the test that opens a WACZ of
# the demo in it; `make replaywebpage` fetches it with npm, the tests skip without it.
REPLAYWEBPAGE_VERSION := 2.5.3
REPLAYWEBPAGE_DIR := .cache/replaywebpage

.PHONY: demo test test-fast lint install wheel-check clean bench replaywebpage

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Kabarsip needs Python 3.11 or newer on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

$(PYWB_STAMP):
	@test -n "$(PYTHON)" || { echo "Kabarsip needs Python 3.11 or newer on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet "pywb==2.10.0"
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m crawler.demo

TEST_ENV := KABARSIP_WAYBACK=$(CURDIR)/$(PYWB_VENV)/bin/wayback \
	KABARSIP_REPLAYWEBPAGE=$(CURDIR)/$(REPLAYWEBPAGE_DIR)

test: $(STAMP) $(PYWB_STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest

test-fast: $(STAMP) $(PYWB_STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -m "not slow"

# Only the package's own tarball (npm pack): its ui.js and sw.js are complete bundles.
replaywebpage: $(REPLAYWEBPAGE_DIR)/sw.js

$(REPLAYWEBPAGE_DIR)/sw.js:
	rm -rf $(REPLAYWEBPAGE_DIR).tmp && mkdir -p $(REPLAYWEBPAGE_DIR).tmp
	cd $(REPLAYWEBPAGE_DIR).tmp && npm pack --silent replaywebpage@$(REPLAYWEBPAGE_VERSION) >/dev/null
	tar -xzf $(REPLAYWEBPAGE_DIR).tmp/replaywebpage-$(REPLAYWEBPAGE_VERSION).tgz \
		-C $(REPLAYWEBPAGE_DIR).tmp package/ui.js package/sw.js package/LICENSE
	rm -rf $(REPLAYWEBPAGE_DIR) && mv $(REPLAYWEBPAGE_DIR).tmp/package $(REPLAYWEBPAGE_DIR)
	rm -rf $(REPLAYWEBPAGE_DIR).tmp

# The crawl benchmark against plain Scrapy (docs/PERFORMANCE.md); not run in CI.
# BENCH_ARGS="--articles 2000 --json bench.json" passes options.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_crawl.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Build the wheel, install it into a clean venv and run the demo from an empty folder.
wheel-check:
	@test -n "$(PYTHON)" || { echo "Kabarsip needs Python 3.11 or newer on PATH" >&2; exit 1; }
	PYTHON=$(PYTHON) .ci/wheel-check

clean:
	rm -rf $(VENV) $(PYWB_VENV) data .cache
