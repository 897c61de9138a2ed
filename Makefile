# One screen of entry points. Every target creates the virtualenv it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint fmt samples bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## import sample_bills, run the rules, write reports/report.html
	$(BIN)/analyzer --db reports/demo.duckdb run sample_bills --out reports/report.html

test: $(STAMP)  ## lint, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

samples: $(STAMP)  ## regenerate sample_bills/ byte for byte
	$(BIN)/python sample_bills/make_samples.py

bench: $(STAMP)  ## run the benchmarks, write bench/RESULTS.md
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) reports/*.html reports/*.duckdb* .pytest_cache
