# MynaDesk — two set-up commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MYNADESK_DATA_DIR ?= $(abspath data)
GENERATED ?= $(MYNADESK_DATA_DIR)/generated
SCALE ?= 1.0
SEED ?= 42

# The suite again as if it were another day: MYNADESK_TEST_NOW moves Python's clock (time-machine); PostgreSQL
# and Chromium keep the real time, so a decision taken by the database's now() fails here.
TEST_DATES ?= 2031-03-31T16:00:00+09:00 2028-02-29T10:00:00+09:00 2027-01-02T10:00:00+09:00

.PHONY: demo test test-dates lint bench venv clean-db

$(STAMP): pyproject.toml
	@bash scripts/debian-packages.sh base
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	@bash scripts/debian-packages.sh test
	$(BIN)/pytest

test-dates: $(STAMP)
	@bash scripts/debian-packages.sh test
	@for moment in $(TEST_DATES); do \
		echo "== MYNADESK_TEST_NOW=$$moment"; \
		MYNADESK_TEST_NOW=$$moment $(BIN)/pytest -q || exit 1; \
	done

bench: $(STAMP)
	$(BIN)/python -m tests.bench

demo: $(STAMP)
	$(BIN)/mynadesk db upgrade
	$(BIN)/mynadesk site seed --demo-bookings
	@if [ ! -f $(GENERATED)/.complete-$(SCALE)-$(SEED) ]; then \
		$(BIN)/mynadesk data generate --out $(GENERATED) --scale $(SCALE) --seed $(SEED) && \
		touch $(GENERATED)/.complete-$(SCALE)-$(SEED); \
	else echo "データは生成済みです / data already generated: $(GENERATED)"; fi
	$(BIN)/mynadesk etl load $(GENERATED)/resident_*_full.csv
	$(BIN)/mynadesk migrate cards "$$(ls $(GENERATED)/cards_*.csv | sort | tail -n 1)"
	$(BIN)/mynadesk etl analytics
	$(BIN)/mynadesk docs demo-batch
	$(BIN)/mynadesk db status
	@echo "生成データ / generated files: $(abspath $(GENERATED))"
	@bash scripts/demo-serve.sh
