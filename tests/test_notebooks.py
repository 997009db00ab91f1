"""The notebooks: numbered, paired with py:percent files, thin, ending with a check against the registry,
and run top to bottom against a store built from real files."""

from __future__ import annotations

import html
import re

import jupytext
import nbformat
import pytest

from spend.cli import main
from spend.core.config import PROJECT_ROOT
from spend.outputs import figures
from spend.sources.registry import publishers_for

NOTEBOOKS = PROJECT_ROOT / "notebooks"
EXPECTED = ["01-a-supplier-and-the-nhs", "02-who-gets-paid", "03-contracts-against-payments", "04-foi-follow-up"]
# What a reader must never see in a report: Python's reprs of values the report should have written out.
RAW_REPRS = re.compile(r"Decimal\(|Concentration\(|Timestamp\(|datetime\.date\(|dtype: |<bound method|"
                       r"<pandas\.io\.formats|Name: amount_gbp|\bNaN\b|\bNaT\b|\bnan\b")
# A command in a report names bodies by slug, as the command line needs: it is left out of the slug check.
COMMAND = re.compile(r"spend (?:fetch|add|notices fetch|export|build)\b[^<]*")


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
def test_notebook_is_thin_takes_parameters_and_ends_with_a_check(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    # The first code cell holds the inputs, tagged for papermill, and nothing else.
    assert code[0].metadata.get("tags") == ["parameters"]
    assert all(re.fullmatch(r"\w+ = .+", line) for line in code[0].source.splitlines() if line.strip()), code[0].source
    text = "\n".join(c.source for c in code)
    assert "load_payments(" in text  # reads the store...
    assert not re.search(r"^\s*(def|class) ", text, re.MULTILINE)  # ...and leaves the logic to spend
    last = code[-1].source
    assert last.lstrip().startswith("assert") or "\nassert " in last
    assert "figure" in last.lower() or "result" in last.lower()


def test_every_notebook_checks_itself_against_the_registry():
    ids = {f.id for f in figures.load_figures()}
    for name in EXPECTED:
        source = (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")
        assert "figures." in source, f"{name} does not consult the figures registry"
        used = set(re.findall(r'"([a-z0-9-]+-(?:20\d\d(?:-\d\d)?|award))"', source))
        assert used <= ids, f"{name} uses unknown figure(s) {sorted(used - ids)}"


def _run(name: str, store, tmp_path, **parameters):
    """Execute a notebook with papermill against `store` (the kernel inherits SPEND_DATA); return it."""
    import papermill

    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=parameters, cwd=str(tmp_path),
                               kernel_name="python3", progress_bar=False)
    return nbformat.read(out, as_version=4)


def _report_text(notebook) -> str:
    """The notebook as a reader gets it (HTML without the code), as text."""
    from nbconvert import HTMLExporter

    html_text, _ = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(notebook)
    body = re.sub(r"<style.*?</style>|<script.*?</script>", "", html_text[html_text.index("<body"):], flags=re.S)
    return html.unescape(re.sub(r"<img[^>]*>", "[image]", body))


def _assert_reads_well(notebook, slugs: set[str]) -> None:
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    text = _report_text(notebook)
    assert not RAW_REPRS.search(text), RAW_REPRS.search(text).group(0)
    words = COMMAND.sub("", re.sub(r"<[^>]+>", " ", text))
    shown = sorted(s for s in slugs if re.search(rf"(?<![\w/-]){re.escape(s)}(?![\w/-])", words))
    assert not shown, f"slugs in the report: {shown}"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_against_the_store_and_reads_well(name, fixture_store, monkeypatch, tmp_path):
    monkeypatch.setenv("SPEND_DATA", str(fixture_store))
    notebook = _run(name, fixture_store, tmp_path)
    _assert_reads_well(notebook, {p.slug for p in publishers_for(fixture_store)})


def _sentence(notebook) -> tuple[int, str]:
    """(payments, total) from the sentence a supplier notebook opens with ('... paid X £1,234.56 in 8 payments.')."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown", "")
            found = re.search(r" paid .* (£[\d,]+\.\d\d) in ([\d,]+) payments?\.", text)
            if found:
                return int(found.group(2).replace(",", "")), found.group(1)
    raise AssertionError("no 'paid' sentence in the notebook's outputs")


@pytest.mark.slow
@pytest.mark.parametrize("supplier, bodies, date_from, date_to", [
    ("Optum / UnitedHealth", "all", None, None),
    ("CHELSEA AND WESTMINSTER HOSPITAL", ["nhs-hounslow-ccg"], "2020-04", "2020-09"),
])
@pytest.mark.parametrize("name", ["01-a-supplier-and-the-nhs", "04-foi-follow-up"])
def test_a_supplier_notebook_gives_the_figures_the_command_line_gives(name, supplier, bodies, date_from, date_to,
                                                                      fixture_store, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SPEND_DATA", str(fixture_store))
    notebook = _run(name, fixture_store, tmp_path, supplier=supplier, bodies=bodies, date_from=date_from,
                    date_to=date_to)
    _assert_reads_well(notebook, {p.slug for p in publishers_for(fixture_store)})
    argv = ["export", "--supplier", supplier, "-o", str(tmp_path / "cli.csv"), "--data", str(fixture_store)]
    argv += [a for b in (bodies if isinstance(bodies, list) else []) for a in ("--publisher", b)]
    argv += ["--from", date_from, "--to", date_to] if date_from else []
    capsys.readouterr()
    assert main(argv) == 0
    cli = re.search(r": (\d+) payment\(s\), (£[\d,]+\.\d\d),", capsys.readouterr().out)
    assert _sentence(notebook) == (int(cli.group(1)), cli.group(2))
