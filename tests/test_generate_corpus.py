"""The benchmark corpus (benchmarks/generate_corpus.py) read back by the real build: every generated file is
parsed, each file's rows and total equal what the generator counted as it wrote them, and the payments add
up to the manifest's sum to the penny. A generated file the parser reads differently (a header it does not
find, a date order it cannot decide, a row it drops) fails here, and so does a corpus whose files are not
distinct (the parse cache would hide the parse cost the benchmark is there to measure)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from spend.store.build import build_store
from spend.store.read import load_files
from spend.store.views import connect

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "benchmarks" / "generate_corpus.py"
sys.path.insert(0, str(GENERATOR.parent))
import generate_corpus as gen  # noqa: E402  (benchmarks/ is not a package)

FILES = 40


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """40 files of 8 publishers in every format, written by the generator's command line."""
    out = tmp_path_factory.mktemp("national") / "data"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, str(GENERATOR), "--files", str(FILES), "--out", str(out), "--seed", "3",
                    "--publishers", "8", "--mix", "csv=0.6,xlsx=0.3,pdf=0.1", "--workers", "2"],
                   check=True, env=env, capture_output=True)
    return out


@pytest.fixture(scope="module")
def built(corpus):
    return build_store(corpus, workers=2)


def _raw_files(data: Path) -> list[Path]:
    return sorted(p for p in (data / "raw" / "spend").rglob("*") if p.is_file() and not p.name.endswith(".meta.json"))


def test_every_format_distinct_bytes_and_a_provenance_record_each(corpus):
    manifest = gen.read_manifest(corpus)
    files = _raw_files(corpus)
    assert len(manifest) == len(files) == FILES
    assert {m["format"] for m in manifest} == {"csv", "xlsx", "pdf"}
    shas = {p.relative_to(corpus / "raw").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert len(set(shas.values())) == FILES  # no two files share their bytes
    assert shas == {m["file"]: m["sha256"] for m in manifest}
    for path in files:
        record = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
        assert record["sha256"] == shas[path.relative_to(corpus / "raw").as_posix()]
        assert record["url"].startswith("https://") and ".example.invalid/" in record["url"]
        assert datetime.fromisoformat(record["fetched_at"]).tzinfo is not None
        assert path.parent.name == record["period"]
    registered = {p["slug"] for p in __import__("yaml").safe_load((corpus / "publishers.yaml").read_text())}
    assert {m["publisher_id"] for m in manifest} <= registered


@pytest.mark.slow
def test_the_build_reads_back_every_file_exactly(corpus, built):
    manifest = gen.read_manifest(corpus)
    assert built.failed == []
    assert (built.files, built.parsed_now) == (FILES, FILES)
    files = load_files(corpus)
    assert (files["status"] == "parsed").all()
    stored = {r.source_file: (int(r.rows_kept), Decimal(r.total_gbp)) for r in files.itertuples()}
    assert stored == {m["file"]: (int(m["rows"]), Decimal(m["total_gbp"])) for m in manifest}
    dates = {r.source_file: (str(r.first_payment_date), str(r.last_payment_date)) for r in files.itertuples()}
    assert dates == {m["file"]: (m["first_payment_date"], m["last_payment_date"]) for m in manifest}
    assert files["source_sha256"].nunique() == FILES
    con = connect(corpus)
    try:
        n, total = con.execute("select count(*), sum(amount_gbp) from payments").fetchone()
    finally:
        con.close()
    assert n == built.payments == sum(int(m["rows"]) for m in manifest)
    assert int(Decimal(total) * 100) == built.total_pence == sum(int(m["total_pence"]) for m in manifest)
    assert gen.compare_with_store(corpus)["mismatches"] == []


@pytest.mark.slow
def test_a_figure_off_by_a_penny_is_a_mismatch(corpus, built):
    manifest = gen.read_manifest(corpus)
    wrong = dict(manifest[5], total_pence=str(int(manifest[5]["total_pence"]) + 1))
    wrong["total_gbp"] = f"{Decimal(wrong['total_pence']) / 100:.2f}"
    found = gen.compare_with_store(corpus, [*manifest[:5], wrong, *manifest[6:]])["mismatches"]
    assert len(found) == 2 and found[0].startswith(manifest[5]["file"] + ": store has")
    assert found[1].startswith("payments table:")


@pytest.mark.slow
def test_an_added_and_a_changed_file_are_read_back_exactly(corpus, built, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(corpus, data, symlinks=True)
    added = gen.add_file(data)
    changed = gen.change_file(data)
    before = {m["file"]: m for m in gen.read_manifest(corpus)}
    assert added["file"] not in before and added["sha256"] not in {m["sha256"] for m in before.values()}
    assert changed["file"] in before and changed["sha256"] != before[changed["file"]]["sha256"]
    assert changed["rows"] == int(before[changed["file"]]["rows"]) + 1
    result = build_store(data, workers=1)
    assert (result.failed, result.files, result.parsed_now) == ([], FILES + 1, 2)
    assert gen.compare_with_store(data)["mismatches"] == []


def test_the_same_seed_writes_the_same_bytes(tmp_path):
    def generate(name: str, seed: int) -> list[str]:
        gen.generate_corpus(tmp_path / name, 12, seed=seed, publishers=4, mix={"csv": 0.5, "xlsx": 0.5}, workers=1)
        return [m["sha256"] for m in gen.read_manifest(tmp_path / name)]

    first = generate("a", 11)
    assert generate("b", 11) == first
    assert not set(generate("c", 12)) & set(first)
