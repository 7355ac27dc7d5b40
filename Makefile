# Two commands on a fresh machine with python3 >= 3.11 and make: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The real AWS CLI (v1, from PyPI) for the test that runs `incident preview`'s CLI lines against the simulator.
# Its own venv: awscli pins botocore exactly, which would fight aiobotocore's pin in $(VENV).
AWSCLI := .venv-awscli/bin/aws

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(AWSCLI):
	$(PYTHON) -m venv .venv-awscli
	.venv-awscli/bin/python -m pip install --quiet awscli
	test -x $(AWSCLI)

demo: $(STAMP)
	$(BIN)/nexus-tui demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint $(AWSCLI)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/dashboard.py
	$(BIN)/python benchmarks/journal.py
	$(BIN)/python benchmarks/pg_journal.py
	$(BIN)/python benchmarks/pg_offline.py
	$(BIN)/python benchmarks/feed_latency.py
	$(BIN)/python benchmarks/slack_outbox.py
	$(BIN)/python benchmarks/wall_followers.py
	$(BIN)/python benchmarks/drill_schedule.py
	$(BIN)/python benchmarks/drills.py

clean:
	rm -rf $(VENV) .venv-awscli build dist .mypy_cache .pytest_cache .ruff_cache
