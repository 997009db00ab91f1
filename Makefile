# Two commands matter: `make demo` (set up, then run the main job) and `make test`.
# Both work on a fresh machine with Python 3.11: the first run creates .venv and installs
# the project with its development extras from the package registry.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
REALDATA ?= $(abspath ../shared/realdata)
export SPEND_REALDATA := $(REALDATA)
REALDATA_MORE ?= $(abspath ../shared/realdata-more)
export SPEND_REALDATA_MORE := $(REALDATA_MORE)

.PHONY: setup demo test test-quick bench bench-national clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

# The main job, offline: file the shared corpus under data/raw/spend/<publisher>/ with provenance
# (SOURCE=web fetches each registered publisher's landing pages instead, where the network allows),
# build the Parquet + DuckDB store and the notices tables, show what the store holds, run the
# notebooks to HTML reports (without code), export the evidence for Optum with draft FOI requests to
# data/exports/, and check every
# registered published figure (exit status 1 on a mismatch).
SOURCE ?= local
REPORTS := data/reports

demo: setup
ifeq ($(SOURCE),web)
	$(BIN)/spend fetch --publisher all
else
	$(BIN)/spend fetch --publisher all --from-dir "$(REALDATA)"
endif
	$(BIN)/spend notices add "$(REALDATA)/contracts-finder"
	$(BIN)/spend build
	$(BIN)/spend status
	mkdir -p $(REPORTS)
	$(BIN)/jupyter nbconvert --to html --execute --no-input --output-dir $(REPORTS) notebooks/*.ipynb
	$(BIN)/spend export --supplier "Optum / UnitedHealth"
	$(BIN)/spend figures check

test: setup
	$(BIN)/python -m pytest -q

# For development: every test not marked `slow` (about a third of the time of `make test`). It leaves out
# the tests that build a store (the shared fixture store, test_build's store, the notebooks run against it,
# analysis, charts, export and figures on it), the whole-corpus parse and supplier resolution, and single
# tests over about a second (the Hounslow figure from the PDFs, the end-to-end fetch and build, the Dask
# build, the notices fetch-and-build, the slower harvest and HTTP-cache tests). `make test` and CI run all.
test-quick: setup
	$(BIN)/python -m pytest -q -m "not slow"

bench: setup
	$(BIN)/python benchmarks/bench_parse.py
	$(BIN)/python benchmarks/bench_build.py

# A national-scale build: a generated corpus of FILES distinct spend files (benchmarks/generate_corpus.py),
# built cold, rebuilt, with a file added and one changed, and a parse profile against baselines. About 15 to
# 30 minutes for 12,000 files on two cores; FILES=300 for a quick run. Not part of `make test`.
FILES ?= 12000
bench-national: setup
	$(BIN)/python benchmarks/bench_national.py --files $(FILES)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
