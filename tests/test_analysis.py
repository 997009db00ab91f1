"""Analysis functions over the fixture store (real files): exact money, duplicates counted once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from spend import analysis as A
from spend.analysis.suppliers import SHARE_PLACES
from spend.core.money import CENT
from spend.core.periods import Period, month_of
from spend.suppliers.awards import resolve_award_suppliers
from spend.suppliers.sectors import SECTORS

D = Decimal
APR_NOV_2020 = Period.between("2020-04", "2020-11")


# --- a supplier's payments --------------------------------------------------------------------------------


@pytest.mark.slow
def test_optum_by_publisher_and_month(fixture_payments):
    monthly = A.payments_by_month(fixture_payments, "Optum / UnitedHealth")
    assert monthly.attrs["match"].matched_by == "supplier_group"
    got = [(r.publisher_id, r.month, r.payments, r.amount_gbp) for r in monthly.itertuples()]
    assert got == [
        ("nhs-hounslow-ccg", "2020-04", 1, D("34500.00")),
        ("nhs-hounslow-ccg", "2020-07", 3, D("103500.00")),
        ("nhs-hounslow-ccg", "2020-09", 2, D("69000.00")),
        ("nhs-hounslow-ccg", "2020-10", 1, D("34500.00")),
        ("nhs-hounslow-ccg", "2020-11", 1, D("34500.00")),
        # March 2021 is in the store twice (the file was uploaded twice) and counts once.
        ("nhs-redbridge-ccg", "2020-05", 1, D("108103.90")),
        ("nhs-redbridge-ccg", "2021-03", 1, D("18181.31")),
        ("oxford-city-council", "2016-04", 1, D("1600.00")),
        ("oxford-city-council", "2016-06", 1, D("670.00")),
    ]
    assert set(monthly["publisher"]) == {"NHS Hounslow CCG", "NHS Redbridge CCG", "Oxford City Council"}
    hounslow = A.payments_by_month(fixture_payments, "optum", publisher_id="nhs-hounslow-ccg", period=APR_NOV_2020)
    assert A.money_sum(hounslow["amount_gbp"]) == D("276000.00") and hounslow["payments"].sum() == 8


@pytest.mark.slow
def test_match_supplier_rules_in_order(fixture_payments):
    sid = fixture_payments.loc[fixture_payments["supplier_name_raw"] == "OPTUM HEALTH SOLUTIONS (UK) LTD",
                               "supplier_id"].iat[0]
    cases = {
        # 13 rows: the republished March 2021 row is matched too (totals drop it, see `countable`).
        "optum / unitedhealth": ("supplier_group", ("Optum / UnitedHealth",), 13),
        sid: ("supplier_id", (sid,), 13),
        "optum": ("supplier_group (part of the name)", ("Optum / UnitedHealth",), 13),
        "health solutions (uk)": ("supplier name", ("OPTUM HEALTH SOLUTIONS (UK) LTD",), 13),
        "no such supplier anywhere": ("nothing", (), 0),
        "   ": ("nothing", (), 0),
    }
    for text, (how, values, rows) in cases.items():
        match = A.match_supplier(fixture_payments, text)
        assert (match.matched_by, match.values, int(match.mask.sum())) == (how, values, rows), text
    assert A.match_supplier(fixture_payments, "optum").describe() == (
        "'optum' matched supplier_group (part of the name) 'Optum / UnitedHealth'")


@pytest.mark.slow
def test_countable_drops_republished_rows(fixture_payments):
    assert len(fixture_payments) - len(A.countable(fixture_payments)) == 282


# --- who gets paid ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_top_suppliers_and_concentration(fixture_payments):
    top = A.top_suppliers(fixture_payments, publisher_id="nhs-hounslow-ccg", period=APR_NOV_2020, n=3)
    assert list(top["rank"]) == [1, 2, 3]
    assert top["supplier_name"].iat[0] == "Chelsea and Westminster Hospital NHS Foundation Trust"  # its official name
    assert top["amount_gbp"].iat[0] == D("91333617.49")
    assert all(isinstance(a, Decimal) for a in top["amount_gbp"])
    assert list(top["amount_gbp"]) == sorted(top["amount_gbp"], reverse=True)

    # Concentration recomputed here from the supplier totals, independently of how it is computed there.
    c = A.concentration(fixture_payments, publisher_id="nhs-hounslow-ccg", period=APR_NOV_2020)
    rows = A.select_payments(fixture_payments, publisher_id="nhs-hounslow-ccg", period=APR_NOV_2020)
    net: dict[str, Decimal] = {}
    for sid, amount in zip(rows["supplier_id"], rows["amount_gbp"]):
        if isinstance(sid, str):
            net[sid] = net.get(sid, D("0")) + amount
    positive = sorted((a for a in net.values() if a > 0), reverse=True)
    whole = sum(positive, D("0"))
    assert c.total_gbp == whole and c.suppliers == len(positive)
    assert c.net_negative_suppliers == sum(1 for a in net.values() if a < 0)
    assert c.top5_share == (sum(positive[:5], D("0")) / whole).quantize(SHARE_PLACES)
    assert c.top10_share == (sum(positive[:10], D("0")) / whole).quantize(SHARE_PLACES)
    assert c.hhi == sum((a * 100 / whole) ** 2 for a in positive).quantize(CENT)
    assert D("0") < c.hhi < D("10000")
    assert c.unidentified_gbp == D("0.00")  # every Hounslow row names its supplier
    assert top["share"].iat[0] == (D("91333617.49") / c.total_gbp).quantize(SHARE_PLACES)


def test_concentration_of_a_single_supplier_is_total():
    one = pd.DataFrame({"supplier_id": ["a", "a"], "supplier_name": ["A", "A"], "supplier_group": [None, None],
                        "supplier_kind": ["organisation"] * 2, "amount_gbp": [D("10.00"), D("5.00")],
                        "duplicate_of": [None, None], "publisher_id": ["p", "p"], "payment_date": [None, None]})
    c = A.concentration(one)
    assert (c.top5_share, c.hhi, c.total_gbp) == (D("1.000000"), D("10000.00"), D("15.00"))


def _toy_classifier(name: str, kind: str | None = None) -> str:
    if "NHS" in name:
        return "nhs"
    return "company" if name.endswith(("LTD", "LIMITED")) else "unknown"


@pytest.mark.slow
def test_sector_shares_add_up_to_every_payment(fixture_payments):
    rows = A.select_payments(fixture_payments, publisher_id="nhs-hounslow-ccg", period=APR_NOV_2020)
    sectors = A.sector_shares(fixture_payments, publisher_id="nhs-hounslow-ccg", period=APR_NOV_2020,
                              classify=_toy_classifier).set_index("sector")
    assert list(sectors.index) == list(SECTORS)
    assert A.money_sum(sectors["amount_gbp"]) == A.money_sum(rows["amount_gbp"]) == D("259231002.71")
    assert sectors.loc["individual", "amount_gbp"] == A.money_sum(
        rows.loc[rows["supplier_kind"] == "person", "amount_gbp"]) == D("11050310.17")
    assert sectors.loc["individual", "payments"] == 1115
    nhs = rows[rows["supplier_kind"].eq("organisation") & rows["supplier_name"].str.contains("NHS", na=False)]
    assert sectors.loc["nhs", "amount_gbp"] == A.money_sum(nhs["amount_gbp"])
    assert sectors.attrs["classifier"] == f"{__name__}._toy_classifier"


def test_sector_of_never_shows_a_person_to_the_classifier():
    def refuse(name, kind):
        raise AssertionError(f"classifier saw {name}")

    assert A.sector_of("DR SM HUNT", "person", refuse) == "individual"
    assert A.sector_of("ACME LTD", "organisation", lambda n, k: "company") == "company"
    assert A.sector_of("ACME LTD", "organisation", lambda n, k: "nonsense") == "unknown"


@pytest.mark.slow
def test_sector_shares_read_the_stored_sector(fixture_payments):
    rows = A.select_payments(fixture_payments, publisher_id="nhs-hounslow-ccg", period=APR_NOV_2020)
    sectors = A.sector_shares(fixture_payments, publisher_id="nhs-hounslow-ccg", period=APR_NOV_2020)
    assert sectors.attrs["classifier"] == "supplier_sector column"
    by = sectors.set_index("sector")
    assert list(by.index) == list(SECTORS)
    assert A.money_sum(by["amount_gbp"]) == A.money_sum(rows["amount_gbp"])
    # Each share is the stored sector's rows, to the penny.
    for sector in SECTORS:
        assert by.loc[sector, "amount_gbp"] == A.money_sum(rows.loc[rows["supplier_sector"] == sector, "amount_gbp"])
    assert by.loc["individual", "amount_gbp"] == D("11050310.17")
    optum = rows[rows["supplier_name_raw"] == "OPTUM HEALTH SOLUTIONS (UK) LTD"]
    assert set(optum["supplier_sector"]) == {"company"}
    # The largest supplier (an NHS trust, a third of the money) is in the nhs share.
    assert by.loc["nhs", "share"] > D("0.35")


@pytest.mark.slow
def test_sector_shares_need_a_sector_column_or_a_classifier(fixture_payments):
    from spend.core.errors import PaymentsInputError

    unbuilt = fixture_payments.drop(columns=["supplier_sector"])
    with pytest.raises(PaymentsInputError, match="no supplier_sector column"):
        A.sector_shares(unbuilt, publisher_id="nhs-hounslow-ccg")
    by_rule = A.sector_shares(unbuilt, publisher_id="nhs-hounslow-ccg", classify=_toy_classifier)
    assert A.money_sum(by_rule["amount_gbp"]) == A.money_sum(
        A.select_payments(fixture_payments, publisher_id="nhs-hounslow-ccg")["amount_gbp"])


# --- contracts against payments ---------------------------------------------------------------------------


@pytest.mark.slow
def test_buyers_are_tied_to_publishers_by_name(fixture_payments):
    found = A.match_buyers(
        ["NHS HOUNSLOW CLINICAL COMMISSIONING GROUP", "NHS Redbridge CCG", "Croydon Council", "Redbridge Council"],
        fixture_payments, aliases={"Redbridge Council": "london-borough-of-redbridge"}, publisher_names={})
    found = found.astype(object).where(found.notna(), None)
    assert list(found.itertuples(index=False, name=None)) == [
        ("NHS HOUNSLOW CLINICAL COMMISSIONING GROUP", "nhs-hounslow-ccg", "name in the payments files"),
        ("NHS Redbridge CCG", "nhs-redbridge-ccg", "name in the payments files"),
        ("Croydon Council", None, "no publisher of that name"),
        ("Redbridge Council", "london-borough-of-redbridge", "alias"),
    ]


@pytest.mark.slow
def test_buyers_are_tied_to_registry_names(fixture_payments):
    found = A.match_buyers(["NHS Kent & Medway CCG", "Kent County Council"], fixture_payments,
                           publisher_names={"nhs-kent-and-medway-ccg": ["NHS Kent and Medway CCG"]})
    assert list(found["publisher_id"].fillna("-")) == ["nhs-kent-and-medway-ccg", "-"]
    assert list(found["buyer_match"]) == ["registry name", "no publisher of that name"]
    # A buyer whose payments the store does not hold cannot be checked: it is not "unpaid".
    lines = A.award_lines(*_awards(dict(ocid="k-1", buyer="NHS Kent and Medway CCG", supplier="Optum Ltd",
                                        value="979855.00"), paid=fixture_payments))
    result = A.contracts_against_payments(lines, fixture_payments,
                                          publisher_names={"nhs-kent-and-medway-ccg": ["NHS Kent and Medway CCG"]})
    assert list(result["status"]) == ["buyer not in the store"]
    assert result["publisher_id"].iat[0] == "nhs-kent-and-medway-ccg"


@pytest.mark.slow
def test_nhs_publishers(fixture_payments):
    assert A.nhs_publishers(fixture_payments) == ["nhs-hounslow-ccg", "nhs-redbridge-ccg"]


def _awards(*awards: dict, paid: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Notices tables holding the given awards (one release each), with only the columns award_lines reads;
    the award suppliers tied to the suppliers of `paid` as the store ties them (spend.suppliers.awards)."""
    ts = lambda d: pd.Timestamp(d, tz="UTC") if d else pd.NaT  # noqa: E731
    notices = pd.DataFrame([{"ocid": a["ocid"], "release_id": a.get("release", "r1"), "date": ts(a.get("released", "2020-03-01")),
                             "buyer_name": a["buyer"], "contract_period_start": pd.NaT, "contract_period_end": pd.NaT}
                            for a in awards])
    table = pd.DataFrame([{"ocid": a["ocid"], "release_id": a.get("release", "r1"), "award_id": "1",
                           "date": ts(a.get("date", "2020-03-01")), "status": "active", "title": None,
                           "value_amount": D(a["value"]), "contract_period_start": ts(a.get("start")),
                           "contract_period_end": ts(a.get("end")), "source_file": "constructed",
                           "source_locator": "releases[0].awards[0]"} for a in awards])
    suppliers = pd.DataFrame([{"ocid": a["ocid"], "release_id": a.get("release", "r1"), "award_id": "1",
                               "supplier_name_raw": a["supplier"], "company_number": None,
                               "source_file": "constructed", "source_locator": "releases[0].awards[0].suppliers[0]"}
                              for a in awards])
    return notices, table, resolve_award_suppliers(suppliers, paid)


# Constructed awards (the corpus holds no award from a publisher in the store) over the real payments.
OPTUM_AWARD = dict(ocid="o-1", buyer="NHS HOUNSLOW CLINICAL COMMISSIONING GROUP",
                   supplier="Optum Health Solutions (UK) Limited", value="400000.00", start="2020-04-01", end="2020-09-30")


@pytest.mark.slow
def test_contract_against_payments_in_its_period(fixture_payments):
    lines = A.award_lines(*_awards(
        OPTUM_AWARD,
        dict(ocid="o-2", buyer="NHS Hounslow CCG", supplier="Nobody In Particular Ltd", value="1000.00"),
        dict(ocid="o-3", buyer="Durham County Council", supplier="Optum Health Solutions (UK) Ltd", value="5.00"),
        paid=fixture_payments,
    ))
    assert [g if isinstance(g, str) else None for g in lines["supplier_group"]] == [
        "Optum / UnitedHealth", None, "Optum / UnitedHealth"]
    result = A.contracts_against_payments(lines, fixture_payments).set_index("ocid")
    optum = result.loc["o-1"]
    # April x1, July x3, September x2 fall inside April-September; October and November do not.
    assert (optum["status"], optum["payments"], optum["paid_gbp"], optum["unpaid_gbp"]) == (
        "paid", 6, D("207000.00"), D("193000.00"))
    assert optum["publisher_id"] == "nhs-hounslow-ccg" and optum["supplier_match"] == "supplier key"
    assert result.loc["o-2", "status"] == "supplier not in the store"
    assert result.loc["o-3", "status"] == "buyer not in the store"
    assert list(A.awards_without_payments(result.reset_index())["ocid"]) == ["o-2"]
    only_optum = A.contracts_against_payments(lines, fixture_payments, supplier="optum")
    assert list(only_optum["ocid"]) == ["o-1", "o-3"]


@pytest.mark.slow
def test_an_award_with_no_payments_in_its_period(fixture_payments):
    lines = A.award_lines(*_awards({**OPTUM_AWARD, "start": "2019-01-01", "end": "2019-12-31"}, paid=fixture_payments))
    (row,) = A.contracts_against_payments(lines, fixture_payments).itertuples()
    assert (row.status, row.payments, row.paid_gbp) == ("no payments", 0, D("0.00"))


@pytest.mark.slow
def test_payments_without_notice(fixture_payments):
    lines = A.award_lines(*_awards(OPTUM_AWARD, paid=fixture_payments))
    hounslow_optum = A.supplier_payments(fixture_payments, "Optum / UnitedHealth", publisher_id="nhs-hounslow-ccg")[0]
    uncovered = A.payments_without_notice(fixture_payments, lines, publisher_id="nhs-hounslow-ccg")
    left = uncovered.loc[uncovered.index.intersection(hounslow_optum.index)]
    assert sorted(month_of(d) for d in left["payment_date"]) == ["2020-10", "2020-11"]
    all_hounslow = A.select_payments(fixture_payments, publisher_id="nhs-hounslow-ccg")
    assert len(uncovered) == len(all_hounslow) - 6
    summary = A.summarise_by_supplier(uncovered)
    assert A.money_sum(summary["amount_gbp"]) == A.money_sum(uncovered.loc[uncovered["supplier_id"].notna(), "amount_gbp"])


def test_award_lines_keep_the_latest_release_and_fall_back_on_periods():
    later = {**OPTUM_AWARD, "release": "r2", "released": "2020-06-01", "value": "450000.00"}
    open_ended = dict(ocid="o-9", buyer="X", supplier="Y Ltd", value="1.00", date="2020-05-05")
    lines = A.award_lines(*_awards(OPTUM_AWARD, later, open_ended)).set_index("ocid")
    assert lines.loc["o-1", "value_amount"] == D("450000.00") and lines.loc["o-1", "release_id"] == "r2"
    assert lines.loc["o-1", "period_basis"] == "award contract period"
    assert (lines.loc["o-9", "period_start"], lines.loc["o-9", "period_end"]) == (date(2020, 5, 5), None)
    assert lines.loc["o-9", "period_basis"] == "from the award date, open-ended"


@pytest.mark.slow
def test_award_lines_from_the_real_notices(fixture_store, fixture_payments):
    lines = A.load_award_lines(fixture_store)
    assert len(lines) == 492 and lines[["ocid", "award_id"]].drop_duplicates().shape[0] == 50
    assert lines["suppliers_on_award"].min() == 2
    result = A.contracts_against_payments(lines, fixture_payments)
    # No buyer in the harvested notices publishes payments in the fixture store.
    assert set(result["status"]) == {"buyer not in the store"} and len(result) == 492
