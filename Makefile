# make demo / make test work on a fresh machine with Python 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast lint bench bench-live bench-drift compare-checkov clean

# checkov (`clearance check --with-checkov`) lives in its own virtual environment: its pins (boto3, packaging<24)
# conflict with pulumi's. checkov-constraints.txt pins its dependencies (pip freeze in .venv-checkov/).
CHECKOV_VENV := .venv-checkov
CHECKOV      := $(CHECKOV_VENV)/bin/checkov
# Prowler, the live peer of `make bench`, in its own virtual environment too (its pins conflict with ours).
PROWLER_VENV := .venv-prowler
PROWLER      := $(PROWLER_VENV)/bin/prowler

# constraints.txt pins every package (transitive ones too) to the tested versions; pyproject.toml has the ranges.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,sandbox]'
	# pulumi-policy (the CrossGuard pack's tests, tests/crossguard) asks for protobuf~=5.29 where pulumi's stack
	# pins 6.x; it has no generated protobuf code of its own and runs on 6, so it is added without its pins
	$(BIN)/python -m pip install --quiet --no-deps pulumi-policy==1.21.0
	@touch $(STAMP)

$(CHECKOV): checkov-requirements.txt checkov-constraints.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -c checkov-constraints.txt -r checkov-requirements.txt
	@touch $(CHECKOV)

$(PROWLER): prowler-requirements.txt prowler-constraints.txt
	@test -x $(PROWLER_VENV)/bin/python || $(PYTHON) -m venv $(PROWLER_VENV)
	$(PROWLER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PROWLER_VENV)/bin/python -m pip install --quiet -c prowler-constraints.txt -r prowler-requirements.txt
	@touch $(PROWLER)

install: $(STAMP) $(CHECKOV)

demo: $(STAMP)
	@bash scripts/demo.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy checks reports tests

test: $(STAMP) $(CHECKOV) lint
	$(BIN)/pytest

# Leaves out the tests marked slow (moto, the sandbox server, `clearance` subprocesses: tests/conftest.py).
test-fast: $(STAMP) lint
	$(BIN)/pytest -m "not slow"

# clearance vs checkov (planned), vs the program floor, vs Prowler (live, on the sandbox): the table of the README.
# Not part of `make test`. BENCH_ARGS: e.g. --quick, --parts planned,big, --write-readme.
bench: $(STAMP) $(CHECKOV) $(PROWLER)
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

bench-live: $(STAMP)
	$(BIN)/python bench/bench_live.py --resources 2000

bench-drift: $(STAMP)
	$(BIN)/python bench/bench_drift.py

# the overlapping checks of clearance and checkov whose verdicts differ on infra/ and examples/noncompliant/
# (every one is explained in docs/checkov.md)
compare-checkov: $(STAMP) $(CHECKOV)
	$(BIN)/python scripts/compare_checkov.py --checkov $(CHECKOV)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(PROWLER_VENV) clearance-out .pytest_cache .mypy_cache .ruff_cache
