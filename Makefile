# rnd-ledger: one venv, everything installed from pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LEDGER := $(VENV)/bin/rnd-ledger
STORE ?= sqlite:///rnd-ledger.db
SCALE ?= national

.PHONY: demo setup test test-fast lint schemas bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

## The main job on the embedded default: demo data -> ingest -> indicators -> report.
demo: setup
	$(LEDGER) demo --scale $(SCALE) --out demo-events.jsonl
	$(LEDGER) ingest demo-events.jsonl --store $(STORE)
	$(LEDGER) indicators --store $(STORE) --format table
	$(LEDGER) report --store $(STORE) --lang ko --out report.html
	$(LEDGER) report --store $(STORE) --lang en --out report-en.html
	@echo "Reports: $(CURDIR)/report.html (Korean), $(CURDIR)/report-en.html (English)"

## The whole test suite (PostgreSQL, Kafka and browser tests skip, saying why, when
## their parts are missing; CI sets RND_LEDGER_REQUIRE_*=1 so they must run).
test: setup
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow and not kafka and not browser"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

schemas: setup
	$(PY) -m contract.schema

## Speed and memory: every benchmark prints a table with its ratio to the raw ceiling.
bench: setup
	$(PY) -m benchmarks.bench_ingest --million
	$(PY) -m benchmarks.bench_validation
	$(PY) -m benchmarks.bench_projections
	$(PY) -m benchmarks.bench_kafka
	$(PY) -m benchmarks.bench_verify
	$(PY) -m benchmarks.bench_report

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache artifacts bench-data rnd-ledger.db* rnd-ledger.db.projections demo-events.jsonl report.html report-en.html
