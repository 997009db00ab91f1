"""The folders follow the flow of data, and every import points down it (shared/DESIGN.md):

    core  <-  parse, notices, suppliers  <-  sources  <-  store  <-  analysis  <-  outputs  <-  cli

A module may import its own layer and the layers below, never one above: the parser cannot reach the
network or the store, the store cannot reach the notebooks' analyses. The parse cache's key is the source
of spend/parse and spend/core (spend.store.cache.parser_version), which is right only while the parser
imports nothing else of the project: this test is what keeps it so.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "spend"
# Each layer and what it may import besides itself.
ALLOWED = {
    "core": set(),
    "parse": {"core"},
    "notices": {"core"},
    "suppliers": {"core"},
    "sources": {"core", "parse", "notices"},
    "store": {"core", "parse", "notices", "suppliers", "sources"},
    "analysis": {"core", "suppliers", "store", "sources"},
    "outputs": {"core", "suppliers", "store", "analysis"},
    "cli": {"core", "parse", "notices", "suppliers", "sources", "store", "analysis", "outputs"},
}


def _imports(path: Path) -> set[str]:
    """The spend layers a module imports (at the top or inside a function)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "spend" and len(parts) > 1 and parts[1] in ALLOWED:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def test_every_module_is_in_a_layer():
    top_level = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top_level == ["__init__.py"]
    assert {p.relative_to(PACKAGE).parts[0] for p in MODULES} == set(ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_imports_point_down_the_flow(path):
    layer = path.relative_to(PACKAGE).parts[0]
    above = _imports(path) - ALLOWED[layer] - {layer}
    assert not above, f"{path.relative_to(PACKAGE)} imports {sorted(above)}, above {layer}"


def test_only_the_store_writes_the_clean_folder():
    """Writers of data/clean (parquet writes, the swap, the DuckDB file) live in spend/store."""
    writers = []
    for path in MODULES:
        if path.relative_to(PACKAGE).parts[0] == "store":
            continue
        text = path.read_text(encoding="utf-8")
        if any(call in text for call in ("pq.write_table(", "write_dataset(", ".to_parquet(", "duckdb.connect(")):
            writers.append(path.relative_to(PACKAGE).as_posix())
    assert writers == []
