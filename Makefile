# make demo / make test work on a fresh machine with Python 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast lint bench bench-live bench-drift clean

# constraints.txt pins every package (transitive ones too) to the tested versions; pyproject.toml has the ranges.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,sandbox]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@bash scripts/demo.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy checks reports tests

test: $(STAMP) lint
	$(BIN)/pytest

# Leaves out the tests marked slow (moto, the sandbox server, `clearance` subprocesses: tests/conftest.py).
test-fast: $(STAMP) lint
	$(BIN)/pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python bench/bench.py

bench-live: $(STAMP)
	$(BIN)/python bench/bench_live.py --resources 2000

bench-drift: $(STAMP)
	$(BIN)/python bench/bench_drift.py

clean:
	rm -rf $(VENV) clearance-out .pytest_cache .mypy_cache .ruff_cache
