"""environment.yml stays in step with pyproject.toml; the README documents every command."""

from __future__ import annotations

import re
import tomllib

from spend.cli import build_parser
from spend.core.config import PROJECT_ROOT

# conda-forge spells a few packages differently from PyPI.
CONDA_NAMES = {"duckdb": "python-duckdb"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].lower()


def test_environment_yml_lists_every_pyproject_dependency():
    meta = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in meta["optional-dependencies"].values() for r in group]
    wanted = {_name(r) for r in meta["dependencies"] + extras}
    env = (PROJECT_ROOT / "environment.yml").read_text()
    listed = {_name(m) for m in re.findall(r"^\s+-\s+([A-Za-z][\w.-]*[^\n]*)$", env, flags=re.M)}
    missing = {n for n in wanted if CONDA_NAMES.get(n, n) not in listed}
    assert not missing, f"add to environment.yml: {sorted(missing)}"


def test_readme_opens_with_the_two_commands_and_documents_every_command():
    readme = (PROJECT_ROOT / "README.md").read_text()
    first_block = readme.split("```", 2)[1]
    assert "make demo" in first_block and "make test" in first_block
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text()
    sub = build_parser()._subparsers._group_actions[0].choices
    for name in sub:
        assert f"spend {name}" in readme, f"README does not show `spend {name}`"


def test_the_version_licence_and_release_agree_across_the_release_files():
    import yaml

    from spend import __version__

    meta = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    citation = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert meta["version"] == __version__ == citation["version"]
    assert meta["license"] == citation["license"] == "MIT"
    assert (PROJECT_ROOT / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c) 2026 The spend contributors\n")
    assert citation["cff-version"] == "1.2.0" and citation["authors"] == [{"name": "The spend contributors"}]
    changelog = (PROJECT_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## [{__version__}] - {citation['date-released']}\n" in changelog, "CHANGELOG.md has no entry for this release"
