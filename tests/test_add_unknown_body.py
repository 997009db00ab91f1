"""A body the registry does not know, from a folder of its files to exact totals: `spend add`, `spend build`,
`spend status`, `spend export`, as the README tells an analyst to run them.

NHS North Central London CCG's twelve 2020-21 PDFs (with a third party's `.pdf.csv` extraction beside each)
and Imperial College Healthcare's twelve CSVs are in ../shared/realdata-more, not in the package registry.
Their row counts and totals were counted independently (EXPECTED.csv); the store must give them to the penny.
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal

import pytest

from spend.cli import main
from spend.core.money import format_gbp
from spend.sources.registry import load_publishers, local_registry_path
from spend.store.views import query

NCL, IMPC = "nhs-north-central-london-ccg", "imperial-college-healthcare-nhs-trust"
MONTHS = [f"2020-{m:02d}" for m in range(4, 13)] + [f"2021-{m:02d}" for m in range(1, 4)]


def expected(realdata_more, folder: str) -> tuple[int, Decimal, int, Decimal]:
    """(rows, total, Optum rows, Optum total) of a body's files, as EXPECTED.csv counts them."""
    with open(realdata_more / "nhs-london-2020-21" / "EXPECTED.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["file"].startswith(folder + "/")]
    assert len(rows) == 12
    return (sum(int(r["rows"]) for r in rows), sum(Decimal(r["total_gbp"]) for r in rows),
            sum(int(r["optum_rows"]) for r in rows), sum(Decimal(r["optum_total_gbp"]) for r in rows))


@pytest.mark.slow
def test_a_body_not_in_the_registry_reaches_status_and_export_exactly(realdata_more, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    local_registry_path(data).write_text("[]\n", encoding="utf-8")  # a local registry with nobody in it
    assert {NCL, IMPC}.isdisjoint(p.slug for p in load_publishers())
    # The CSVs as an analyst downloads them: a folder whose names give the month but not the year, so the
    # period comes from the files' own dates.
    downloads = tmp_path / "downloads" / "imperial"
    shutil.copytree(realdata_more / "nhs-london-2020-21" / "IMPC", downloads)
    ncl_folder = realdata_more / "nhs-london-2020-21" / "NCL"

    assert main(["add", str(ncl_folder), "--publisher", "NHS North Central London CCG", "--kind", "ccg",
                 "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"new publisher 'NHS North Central London CCG' ({NCL})" in out
    assert f"{NCL}: 24 file(s) given: 12 added, 12 skipped" in out
    assert out.count("a conversion of 'NCL") == 12  # each X.pdf.csv beside its X.pdf

    assert main(["add", str(downloads), "--publisher", "Imperial College Healthcare NHS Trust", "--kind", "trust",
                 "--data", str(data)]) == 0
    assert f"{IMPC}: 12 file(s) given: 12 added" in capsys.readouterr().out

    for slug in (NCL, IMPC):  # filed by month, each with its provenance record
        folders = sorted(p.name for p in (data / "raw" / "spend" / slug).iterdir())
        assert folders == MONTHS, slug
    assert {p.slug for p in load_publishers(local_registry_path(data))} == {NCL, IMPC}

    assert main(["build", "--data", str(data), "--workers", "2"]) == 0
    capsys.readouterr()
    for slug, folder in ((NCL, "NCL"), (IMPC, "IMPC")):
        rows, total, _, _ = expected(realdata_more, folder)
        stored = query(data, f"select count(*) as n, sum(amount_gbp) as total from payments where publisher_id = '{slug}'")
        assert (int(stored["n"][0]), stored["total"][0]) == (rows, total), slug
        assert main(["status", "--data", str(data), "--publisher", slug]) == 0
        row = capsys.readouterr().out.splitlines()[1]
        assert row.startswith(slug) and format_gbp(total) in row and str(rows) in row.split()
        assert row.split()[-2:] == ["2020-04", "2021-03"]  # first and last month, and no month missing

    ncl_rows, _, optum_rows, optum_total = expected(realdata_more, "NCL")
    assert optum_rows == 8
    export = tmp_path / "optum.csv"
    assert main(["export", "--supplier", "optum", "--publisher", NCL, "-o", str(export), "--data", str(data)]) == 0
    with open(export, newline="", encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    assert len(lines) == optum_rows
    assert sum(Decimal(line["amount_gbp"]) for line in lines) == optum_total
    assert all(line["source_file"].startswith(f"spend/{NCL}/") and line["source_locator"] for line in lines)
    capsys.readouterr()

    # The same folder again: nothing new, nothing stored twice, the store unchanged.
    assert main(["add", str(ncl_folder), "--publisher", NCL, "--data", str(data)]) == 0
    assert f"{NCL}: 24 file(s) given: 12 already stored, 12 skipped" in capsys.readouterr().out
    assert main(["build", "--data", str(data)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert int(query(data, "select count(*) as n from payments")["n"][0]) == ncl_rows + expected(realdata_more, "IMPC")[0]
