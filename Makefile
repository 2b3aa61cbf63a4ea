# regeval: `make run` (the main job on embedded defaults) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.spark-installed
# REGEVAL_ENGINE=spark builds the dbt layers on Spark (installs the spark extra and Java first).
REGEVAL_ENGINE ?= duckdb

.PHONY: setup spark-setup java run refresh test spark-check bench lint dbt-build clean validate-inference validate-rollout

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The Spark engine: the `spark` extra (dbt-spark, pyspark) in the same venv, and Java 17.
spark-setup: setup java $(SPARK_STAMP)

$(SPARK_STAMP): pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

java:
	@command -v java >/dev/null 2>&1 || { \
		command -v apt-get >/dev/null 2>&1 \
		&& echo "installing Java 17 for Spark" \
		&& apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	} || { echo "Spark needs Java 17: install openjdk-17-jre-headless"; exit 1; }

run: setup $(if $(filter spark,$(REGEVAL_ENGINE)),spark-setup)
	$(BIN)/regeval run

# The monthly refresh: the current database brought up to the extract's new month(s).
refresh: setup
	$(BIN)/regeval run --refresh

test: setup
	$(BIN)/python -m pytest

validate-inference: setup
	$(BIN)/regeval simulate

# Needs the national database of `make run`.
validate-rollout: setup
	$(BIN)/python scripts/rollout_twfe_bias.py

spark-check: spark-setup
	$(BIN)/python scripts/spark_check.py

bench: spark-setup
	$(BIN)/python scripts/bench.py

# sqlfluff compiles the project with dbt (a scratch database, never the analyst's).
lint: setup
	$(BIN)/ruff check regeval tests/python scripts
	$(BIN)/python scripts/lint_sql.py
	REGEVAL_DB=$$(mktemp -d)/lint.duckdb $(BIN)/sqlfluff lint models macros tests analysis

clean:
	rm -rf target logs reports publish data/synthetic regeval.duckdb spark-warehouse
