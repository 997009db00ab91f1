"""The published figures registry and `spend figures check`, against a store built from real files."""

from __future__ import annotations

import argparse
from decimal import Decimal

import pandas as pd
import pytest

from spend import analysis
from spend.analysis import coverage
from spend.cli import figures as figures_cli
from spend.outputs import figures
from spend.core.periods import Period, month_of
from spend.outputs.figures import FiguresFileError, Figure, Query, Source, SupplierSelector, Tolerance

OPTUM_UK = SupplierSelector(name=r"^OPTUM HEALTH SOLUTIONS \(UK\) LTD$")


def figure(fid="test", *, kind="payments", publishers=("nhs-hounslow-ccg",), supplier=OPTUM_UK,
           start="2020-04", end="2020-11", expected="276000.00", tolerance=Tolerance(), buyer=None) -> Figure:
    query = Query(kind=kind, supplier=supplier, period=Period.between(start, end), period_text=(start, end),
                  publishers=tuple(publishers), buyer=buyer)
    source = Source("not recorded", "not recorded", "not recorded")
    return Figure(fid, "a test claim", source, query, Decimal(expected), tolerance)


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="spend")
    figures_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


# --- the registry ------------------------------------------------------------------------------------------


def test_registry_holds_the_four_claims_of_the_issue():
    registered = {f.id: f for f in figures.load_figures()}
    assert list(registered) == [
        "nhs-england-optum-2018-19", "kent-medway-optum-award", "dorset-livewell-optum-2015-16", "hounslow-optum-2020",
    ]
    assert registered["nhs-england-optum-2018-19"].expected == Decimal("6784671.33")
    assert registered["kent-medway-optum-award"].expected == Decimal("979855.00")
    assert registered["dorset-livewell-optum-2015-16"].expected == Decimal("920000.00")
    assert registered["hounslow-optum-2020"].expected == Decimal("276000.00")
    assert registered["kent-medway-optum-award"].query.kind == "awards"
    assert registered["nhs-england-optum-2018-19"].query.period.months()[0] == "2018-04"
    assert registered["nhs-england-optum-2018-19"].query.period.months()[-1] == "2019-01"


def test_every_registered_figure_is_complete():
    for f in figures.load_figures():
        assert f.claim and f.source.publication and f.source.date and f.source.url
        assert f.source.url == figures.NOT_RECORDED or f.source.url.startswith("http")
        assert isinstance(f.expected, Decimal) and f.expected == f.expected.quantize(Decimal("0.01"))
        # Exact claims have no tolerance; an approximate one says why it has the tolerance it has.
        assert f.tolerance.absolute == 0
        assert (f.tolerance.relative is None) == (f.tolerance.why is None)
        if f.query.kind == "payments":
            assert f.query.publishers
            # Every publisher a figure names is in the publisher registry, so its fetch command works.
            from spend.sources.registry import load_publishers

            assert set(f.query.publishers) <= {p.slug for p in load_publishers()}, f.id
        else:
            assert f.query.buyer and f.query.search


def test_only_the_about_claim_has_a_tolerance():
    tolerances = {f.id: f.tolerance for f in figures.load_figures()}
    assert tolerances["dorset-livewell-optum-2015-16"].relative == Decimal("0.05")
    assert tolerances["dorset-livewell-optum-2015-16"].allowed(Decimal("920000.00")) == Decimal("46000.0000")
    for fid in ("nhs-england-optum-2018-19", "kent-medway-optum-award", "hounslow-optum-2020"):
        assert tolerances[fid].allowed(Decimal("1000")) == 0


REGISTRY_TEMPLATE = """\
figures:
  - id: {id}
    claim: A claim.
    source: {{publication: A paper, date: "{date}", url: {url}}}
    query:
      kind: {kind}
      publishers: [nhs-hounslow-ccg]
      {buyer}
      supplier: {supplier}
      from: 2020-04
      to: 2020-11
    expected: {expected}
    tolerance: {tolerance}
"""
GOOD = dict(id="ok", date="2020-01-02", url="https://example.org/a", kind="payments", buyer="",
            supplier="{group: Optum / UnitedHealth}", expected='"1.00"', tolerance='"0"')


@pytest.mark.parametrize("change, message", [
    ({"expected": "276000.00"}, "quoted string"),
    ({"expected": '"lots"'}, "not a decimal"),
    ({"supplier": "{group: Optum / UnitedHealth, id: x}"}, "exactly one of supplier"),
    ({"supplier": "{}"}, "exactly one of supplier"),
    ({"kind": "invoices"}, "query kind"),
    ({"url": "www.example.org"}, "source url"),
    ({"date": "August 2019"}, "source date"),
    ({"id": "Bad Id"}, "figure id"),
    ({"kind": "awards"}, "buyer name pattern"),
    ({"kind": "awards", "buyer": "buyer: Kent", "supplier": "{id: optum-1}"}, "no supplier id"),
    ({"tolerance": '{relative: "0.05"}'}, "says why"),
    ({"supplier": "{name: '(unclosed'}"}, "supplier name pattern"),
    ({"supplier": "optum"}, "figure ok: query supplier must be a mapping"),
])
def test_malformed_registry_entries_are_refused(tmp_path, change, message):
    path = tmp_path / "figures.yaml"
    path.write_text(REGISTRY_TEMPLATE.format(**{**GOOD, **change}), encoding="utf-8")
    with pytest.raises(FiguresFileError, match=message):
        figures.load_figures(path)


@pytest.mark.parametrize("document, message", [
    ("- id: ok\n", "the registry must be a mapping"),
    ("figures:\n  - just a sentence\n", "each entry of 'figures' must be a mapping"),
    ("figures: []\n", "no 'figures' list"),
    (REGISTRY_TEMPLATE.format(**GOOD).replace("publishers: [nhs-hounslow-ccg]", "publishers: nhs-hounslow-ccg"),
     "query publishers must be a list"),
    (REGISTRY_TEMPLATE.format(**GOOD).replace("    query:\n      kind:", "    query: payments\n    unused:\n      kind:"),
     "figure ok: query must be a mapping"),
    (REGISTRY_TEMPLATE.format(**GOOD).replace('date: "2020-01-02"', "date: 2020-01-02"),
     "figure ok source: 'date' must be quoted text, not datetime.date"),
])
def test_a_registry_of_the_wrong_shape_is_refused(tmp_path, document, message):
    path = tmp_path / "figures.yaml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(FiguresFileError, match=message) as e:
        figures.load_figures(path)
    assert e.value.source == str(path)


def test_a_well_formed_entry_loads(tmp_path):
    path = tmp_path / "figures.yaml"
    path.write_text(REGISTRY_TEMPLATE.format(**GOOD), encoding="utf-8")
    (only,) = figures.load_figures(path)
    assert only.expected == Decimal("1.00") and only.query.supplier.group == "Optum / UnitedHealth"


def test_repeated_ids_are_refused(tmp_path):
    path = tmp_path / "figures.yaml"
    entry = REGISTRY_TEMPLATE.format(**GOOD)
    path.write_text(entry + entry.split("\n", 1)[1], encoding="utf-8")
    with pytest.raises(FiguresFileError, match="used twice"):
        figures.load_figures(path)


# --- checking against the fixture store -------------------------------------------------------------------


@pytest.mark.slow
def test_registered_figures_on_the_fixture_store(fixture_store):
    results = {r.id: r for r in figures.check_figures(fixture_store)}
    hounslow = results["hounslow-optum-2020"]
    assert hounslow.status == "match"
    assert hounslow.value == Decimal("276000.00") and hounslow.difference == Decimal("0.00")
    assert len(hounslow.rows) == 8 and set(hounslow.rows["amount_gbp"]) == {Decimal("34500.00")}
    months = sorted(month_of(d) for d in hounslow.rows["payment_date"])
    assert months == ["2020-04", "2020-07", "2020-07", "2020-07", "2020-09", "2020-09", "2020-10", "2020-11"]
    assert all(hounslow.rows["source_file"].str.endswith(".pdf"))

    england = results["nhs-england-optum-2018-19"]
    assert england.status == "not_available" and england.value is None
    assert england.reason == "NHS England has no payments in the store for April 2018 to January 2019"
    assert england.fetch_command == "spend fetch --publisher nhs-england --period 2018-04..2019-01 && spend build"

    dorset = results["dorset-livewell-optum-2015-16"]
    assert dorset.status == "not_available"
    # No landing page is known for Dorset County Council: the command says how to add its files by hand.
    assert dorset.fetch_command == ("spend add FOLDER --publisher dorset-county-council && spend build (no landing "
                                    "page is known for Dorset County Council: download its spend files for "
                                    "2015-04..2016-03 into FOLDER first)")

    kent = results["kent-medway-optum-award"]
    assert kent.status == "not_available"
    assert kent.reason.startswith("none of the 50 harvested award(s) is from a buyer matching")
    assert kent.fetch_command == ("spend notices fetch --source contracts-finder --supplier Optum "
                                  "--from 2013-04-01 --to 2020-03-31 && spend notices build")


@pytest.mark.slow
def test_a_wrong_expected_value_is_a_mismatch_with_its_rows(fixture_payments):
    result = figures.check_figure(figure(expected="275000.00"), fixture_payments, None)
    assert result.status == "mismatch"
    assert result.value == Decimal("276000.00") and result.difference == Decimal("1000.00")
    assert len(result.rows) == 8
    assert "off by £1,000.00" in result.reason


@pytest.mark.slow
@pytest.mark.parametrize("relative, status", [("0.05", "match"), ("0.01", "mismatch")])
def test_relative_tolerance(fixture_payments, relative, status):
    # 276,000.00 against 270,000.00 is 2.2% off.
    tolerance = Tolerance(relative=Decimal(relative), why="test")
    result = figures.check_figure(figure(expected="270000.00", tolerance=tolerance), fixture_payments, None)
    assert result.status == status and result.difference == Decimal("6000.00")


@pytest.mark.slow
def test_a_period_partly_outside_the_store_is_not_available(fixture_payments):
    # Hounslow's files in the corpus end in November 2020: December is not there, so the figure cannot be
    # computed, even though the Optum payments of April to November are.
    result = figures.check_figure(figure(end="2020-12"), fixture_payments, None)
    assert result.status == "not_available"
    assert result.reason == "NHS Hounslow CCG has no payments in the store for December 2020"
    assert result.fetch_command == "spend fetch --publisher nhs-hounslow-ccg --period 2020-12 && spend build"


@pytest.mark.slow
def test_data_present_and_nothing_paid_is_a_mismatch_not_unavailable(fixture_payments):
    result = figures.check_figure(figure(supplier=SupplierSelector(group="Capita")), fixture_payments, None)
    assert result.status == "mismatch" and result.value == Decimal("0.00") and result.rows.empty


@pytest.mark.slow
def test_a_transaction_published_twice_counts_once(fixture_payments):
    # Redbridge's March 2021 file was uploaded twice; its Optum payment (£18,181.31) is in the store twice,
    # once marked duplicate_of.
    march = fixture_payments[(fixture_payments["publisher_id"] == "nhs-redbridge-ccg")
                             & (fixture_payments["transaction_id"] == "35975128")]
    assert len(march) == 2 and march["duplicate_of"].notna().sum() == 1
    result = figures.check_figure(
        figure(publishers=["nhs-redbridge-ccg"], supplier=SupplierSelector(group="Optum / UnitedHealth"),
               start="2020-04", end="2021-03", expected="126285.21"), fixture_payments, None)
    assert result.status == "match" and len(result.rows) == 2


@pytest.mark.slow
def test_supplier_by_id(fixture_payments):
    sid = fixture_payments.loc[fixture_payments["supplier_name_raw"] == "OPTUM HEALTH SOLUTIONS (UK) LTD", "supplier_id"]
    assert sid.nunique() == 1
    result = figures.check_figure(figure(supplier=SupplierSelector(id=sid.iat[0])), fixture_payments, None)
    assert result.status == "match" and len(result.rows) == 8


def test_no_store_means_not_available(tmp_path):
    results = figures.check_figures(tmp_path)
    assert {r.status for r in results} == {"not_available"}
    assert figures.result_for(results, "hounslow-optum-2020").reason == f"no payments store in {tmp_path}"
    assert figures.result_for(results, "kent-medway-optum-award").reason == f"no notices tables (awards) in {tmp_path}"


# --- awards figures, on real Contracts Finder awards ---------------------------------------------------------

LANCASHIRE = dict(kind="awards", publishers=(), buyer="^Lancashire County Council$", start="2020-01", end="2020-12")


@pytest.fixture(scope="module")
def lines(fixture_store):
    return analysis.load_award_lines(fixture_store)


@pytest.mark.slow
def test_an_award_figure_matches_a_real_award(lines):
    # Lancashire County Council's grounds maintenance award (six suppliers, £248,652.47, March 2020).
    result = figures.check_figure(
        figure(**LANCASHIRE, supplier=SupplierSelector(name="SODEXO"), expected="248652.47"), None, lines)
    assert result.status == "match" and len(result.rows) == 1
    assert result.rows["value_amount"].iat[0] == Decimal("248652.47")


@pytest.mark.slow
def test_an_award_matched_through_several_suppliers_counts_once(lines):
    result = figures.check_figure(
        figure(**LANCASHIRE, supplier=SupplierSelector(name="LIMITED"), expected="248652.47"), None, lines)
    # SODEXO, ADJ, COUNTRYWIDE GROUNDS MAINTENANCE and RICHARD PEEL GROUNDCARE LIMITED: one award, one value.
    assert len(result.rows) == 4 and result.status == "match"


@pytest.mark.slow
def test_an_award_figure_with_another_value_is_a_mismatch(lines):
    result = figures.check_figure(
        figure(**LANCASHIRE, supplier=SupplierSelector(name="SODEXO"), expected="250000.00"), None, lines)
    assert result.status == "mismatch" and result.difference == Decimal("-1347.53")


@pytest.mark.slow
def test_an_award_outside_the_period_is_not_available(lines):
    result = figures.check_figure(figure(**{**LANCASHIRE, "start": "2021-01", "end": "2021-12"},
                                         supplier=SupplierSelector(name="SODEXO")), None, lines)
    assert result.status == "not_available"


# --- the command ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_prints_the_table_and_exits_0_without_mismatches(fixture_store, capsys):
    assert run_cli("figures", "check", "--data", str(fixture_store)) == 0
    out = capsys.readouterr().out
    assert "hounslow-optum-2020            match            £276,000.00  £276,000.00       £0.00" in out
    assert "nhs-england-optum-2018-19      not available  £6,784,671.33" in out
    assert "to fetch the data: spend fetch --publisher nhs-england --period 2018-04..2019-01 && spend build" in out
    assert out.rstrip().endswith("1 match, 0 mismatch, 3 not available")


@pytest.mark.slow
def test_cli_exits_1_on_a_mismatch_and_shows_the_rows(fixture_store, tmp_path, capsys):
    path = tmp_path / "figures.yaml"
    path.write_text(REGISTRY_TEMPLATE.format(**{**GOOD, "id": "wrong", "expected": '"1.00"'}), encoding="utf-8")
    assert run_cli("figures", "check", "--data", str(fixture_store), "--figures", str(path)) == 1
    out = capsys.readouterr().out
    assert "wrong: mismatch:" in out and "off by £275,999.00" in out
    assert "rows behind the computed value (8):" in out
    assert "31939166  £34,500.00  OPTUM HEALTH SOLUTIONS (UK) LTD" in out and "(page 6 line 6)" in out


@pytest.mark.slow
def test_cli_checks_one_figure_by_id(fixture_store, capsys):
    assert run_cli("figures", "check", "--data", str(fixture_store), "--id", "hounslow-optum-2020") == 0
    assert capsys.readouterr().out.rstrip().endswith("1 match, 0 mismatch, 0 not available")
    with pytest.raises(FiguresFileError, match="no figure with id nope"):
        run_cli("figures", "check", "--data", str(fixture_store), "--id", "nope")


@pytest.mark.slow
def test_a_parsed_file_for_a_month_covers_it(fixture_payments):
    # A December 2020 file parsed with nothing in it for anyone is data for December, not a gap.
    files = pd.DataFrame({"publisher_id": ["nhs-hounslow-ccg", "nhs-hounslow-ccg"],
                          "period": ["2020-12", "2021-01..2021-03"], "status": ["parsed", "failed"]})
    covered = coverage.file_months(files)
    assert covered == {"nhs-hounslow-ccg": {"2020-12"}}
    result = figures.check_figure(figure(end="2020-12"), fixture_payments, None, covered=covered)
    assert result.status == "match" and result.value == Decimal("276000.00")
    assert coverage.file_months(pd.DataFrame({"publisher_id": ["p"], "period": ["2014-04..2014-06"],
                                             "status": ["parsed"]})) == {"p": {"2014-04", "2014-05", "2014-06"}}


def test_get_figure_by_id():
    assert figures.get_figure("hounslow-optum-2020").expected == Decimal("276000.00")
    with pytest.raises(FiguresFileError, match="no figure with id nope"):
        figures.get_figure("nope")
