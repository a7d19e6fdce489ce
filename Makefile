# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
OUT    ?= demo-out

.PHONY: demo test venv test-deps browser postgis bench lint clean demo-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP) $@

venv: $(STAMP)

# Debian's Chromium drives the browser tests; installed only where missing (needs root or sudo).
browser:
	@{ test -x /usr/bin/chromium && dpkg -s fonts-noto-cjk fonts-liberation >/dev/null 2>&1; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends \
	    chromium fonts-noto-cjk fonts-liberation; }

# Debian's PostGIS for PostgreSQL 15: the PostGIS source tests start a private cluster with it
# (tests/pgcluster.py). Installed only where missing (needs root or sudo).
postgis:
	@dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends \
	    postgresql-15-postgis-3; }

demo: $(STAMP)
	$(BIN)/siting layers --demo --lang en > /dev/null && echo "demo catalog: every layer usable"
	$(BIN)/siting screen --demo --out $(OUT)/screening --overwrite
	$(BIN)/siting score --demo --tech pv --out $(OUT)/pv --overwrite
	$(BIN)/siting score --demo --tech wind --out $(OUT)/wind --overwrite
	$(BIN)/siting map --demo --out $(OUT)/layers/map.html --overwrite
	@echo
	@echo "Open in a browser (works offline; only basemap tiles need a network):"
	@echo "  screening report: $(OUT)/screening/report.html   map: $(OUT)/screening/map.html"
	@echo "  PV sites report:  $(OUT)/pv/report.html          map: $(OUT)/pv/map.html"
	@echo "  wind sites report: $(OUT)/wind/report.html       map: $(OUT)/wind/map.html"
	@echo "  demo layers map:  $(OUT)/layers/map.html"

test: $(TSTAMP) browser postgis
	SITING_REQUIRE_BROWSER=1 SITING_REQUIRE_POSTGIS=1 $(BIN)/python -m pytest

lint: $(TSTAMP)
	$(BIN)/ruff check .

bench: $(TSTAMP)
	$(BIN)/python -m pytest tests/benchmarks -p no:cacheprovider

# Regenerate the committed demo region (byte for byte) from the build script.
demo-data: $(TSTAMP)
	$(BIN)/python -m layers.demo.build

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache tests/artifacts
