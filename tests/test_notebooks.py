"""The notebooks: numbered, paired with py:percent files, thin, ending with a check against the registry,
and run top to bottom against a store built from real files."""

from __future__ import annotations

import re

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from spend.outputs import figures
from spend.core.config import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
EXPECTED = ["01-optum-and-the-nhs", "02-who-gets-paid", "03-contracts-against-payments", "04-foi-follow-up"]


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_the_numbered_notebooks_are_there_and_paired():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.py")) == EXPECTED
    assert 'formats = "ipynb,py:percent"' in (PROJECT_ROOT / "jupytext.toml").read_text(encoding="utf-8")
    for name in EXPECTED:
        script = jupytext.read(NOTEBOOKS / f"{name}.py")
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        assert [(c.cell_type, c.source) for c in script.cells] == [(c.cell_type, c.source) for c in notebook.cells], (
            f"{name}.py and {name}.ipynb differ: run `jupytext --sync notebooks/{name}.py`")
        assert notebook.metadata["jupytext"]["formats"] == "ipynb,py:percent"
        # Committed without outputs: CI runs them, reviews read the .py.
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_is_thin_and_ends_with_a_check(name):
    code = _code(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4))
    text = "\n".join(code)
    assert "load_payments(" in text  # reads the store...
    assert not re.search(r"^\s*(def|class) ", text, re.MULTILINE)  # ...and leaves the logic to spend
    last = code[-1]
    assert last.lstrip().startswith("assert") or "\nassert " in last
    assert "figure" in last.lower() or "result" in last.lower() or "hounslow" in last.lower()


def test_the_registry_ids_the_notebooks_use_exist():
    ids = {f.id for f in figures.load_figures()}
    for name in EXPECTED:
        source = (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")
        used = re.findall(r'"([a-z0-9-]+-(?:20\d\d(?:-\d\d)?|award))"', source)
        assert used, f"{name} names no registered figure: each notebook checks itself against one"
        assert set(used) <= ids, f"{name} uses unknown figure(s) {sorted(set(used) - ids)}"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_against_the_store(name, fixture_store, monkeypatch, tmp_path):
    monkeypatch.setenv("SPEND_DATA", str(fixture_store))  # the kernel inherits the environment
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, when any cell fails
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
