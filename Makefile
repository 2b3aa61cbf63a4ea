# regeval: `make run` (the main job on embedded defaults) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test bench lint dbt-build clean validate-inference

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(BIN)/regeval run

test: setup
	$(BIN)/python -m pytest

validate-inference: setup
	$(BIN)/regeval simulate

bench: setup
	$(BIN)/python scripts/bench.py

lint: setup
	$(BIN)/ruff check regeval tests/python scripts

clean:
	rm -rf target logs reports publish data/synthetic regeval.duckdb
