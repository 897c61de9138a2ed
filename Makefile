# One screen of entry points. Every target creates the virtualenv it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint fmt samples bench notebooks clean

# The package alone for `make demo`; the test tools only for the targets that need them.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

demo: $(STAMP)  ## import sample_bills, run the rules, write reports/demo.html, say what to try next
	$(BIN)/analyzer --db reports/demo.duckdb run sample_bills

test: $(TEST_STAMP)  ## lint, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

samples: $(TEST_STAMP)  ## regenerate sample_bills/ byte for byte
	$(BIN)/python sample_bills/make_samples.py

notebooks: $(TEST_STAMP)  ## run the notebooks on the samples, executed copies in reports/notebooks/
	$(BIN)/python notebooks/execute.py reports/notebooks

bench: $(TEST_STAMP)  ## run the benchmarks, write bench/RESULTS.md
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) reports/*.html reports/*.duckdb* reports/notebooks .pytest_cache
