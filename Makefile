# Two commands matter: `make demo` (set up, then run the main job) and `make test`.
# Both work on a fresh machine with Python 3.11: the first run creates .venv and installs
# the project with its development extras from the package registry.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
REALDATA ?= $(abspath ../shared/realdata)
export SPEND_REALDATA := $(REALDATA)

.PHONY: setup demo test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

# The main job: parse every spend file in the shared corpus into one payments table and
# print per-file and total accounting. Third-party extractions (*.pdf.csv), the archiver's
# earlier copies (first-upload/) and the two Lambeth pivot-table summaries are left out:
# they are not publishers' transaction files (spend refuses the pivots if given them).
demo: setup
	$(BIN)/spend parse "$(REALDATA)/nhs-london-2020-21" "$(REALDATA)/central-government" "$(REALDATA)/councils" \
		--exclude '*.pdf.csv' --exclude '*/first-upload/*' \
		--exclude '*/lambeth/2011-01-payments.csv' --exclude '*/lambeth/2012-05-payments.csv' \
		-o data/clean/payments.parquet --rejects data/clean/rejects.csv

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_parse.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
