"""Every real Contracts Finder file in ../shared/realdata into the notice tables.

Counts are checked twice: against numbers verified by hand in the JSON, and against a count
made here by a different route (a plain walk of the JSON, independent of spend.notices).
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from localserver import contracts_finder_dir, loopback_only  # noqa: F401
from spend.core.schema import AWARD_SUPPLIERS, AWARDS, NOTICES
from spend.notices.tables import build_tables
from spend.store.notices import write_notices
from spend.notices.tables import TABLES


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def value(cell):
    """A cell with pandas' missing markers (NaN in string columns) as None."""
    return None if cell is None or (not isinstance(cell, (list, dict)) and pd.isna(cell)) else cell


@pytest.fixture(scope="module")
def corpus() -> Path:
    return contracts_finder_dir()


@pytest.fixture(scope="module")
def tables(corpus):
    return build_tables([corpus])


def walk_releases(folder: Path):
    """Every release in every file, by a route that does not use spend.notices: packages have
    `releases`, records embed theirs, release files are releases."""
    for path in sorted(folder.rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if "compiledRelease" in document:
            yield from document["releases"]
        elif "releases" in document:
            yield from document["releases"]
        else:
            yield document


def count_independently(folder: Path) -> dict[str, int]:
    releases = list(walk_releases(folder))
    unique = {(r["ocid"], r["id"]): r for r in releases}
    awards = [a for r in unique.values() for a in r.get("awards", [])]
    return {
        "read": len(releases),
        "notices": len(unique),
        "awards": len(awards),
        "suppliers": sum(len(a.get("suppliers", [])) for a in awards),
    }


def test_real_data_is_there(corpus):
    assert len(list(corpus.rglob("*.json"))) == 282


def test_counts_over_the_whole_corpus(tables, corpus):
    # Verified by hand: 200 OCDS 1.0 tenders + 50 OCDS 1.1 award notices + 11 releases in the
    # 2018 records (the 21 files in ocds-2018-records/releases repeat those 11 release ids).
    assert (len(tables.notices), len(tables.awards), len(tables.award_suppliers)) == (261, 50, 492)
    independent = count_independently(corpus)
    assert independent == {"read": 282, "notices": 261, "awards": 50, "suppliers": 492}
    report = tables.report
    assert report.files_read == 282 and report.files_rejected == [] and report.files_not_ocds == []
    assert (report.releases_read, report.releases_kept, report.duplicate_releases) == (282, 261, 21)
    assert report.releases_rejected == [] and report.balanced()


@pytest.mark.parametrize(
    ("folder", "files", "notices", "awards", "suppliers", "duplicates"),
    [
        ("ocds-1.0-tender-2017", 200, 200, 0, 0, 0),
        ("ocds-1.1-award-2019-20", 50, 50, 50, 492, 0),
        ("ocds-2018-records", 32, 11, 0, 0, 21),
        ("ocds-2018-records/records", 11, 11, 0, 0, 0),
        ("ocds-2018-records/releases", 21, 11, 0, 0, 10),
    ],
)
def test_counts_per_folder(corpus, folder, files, notices, awards, suppliers, duplicates, tmp_path):
    built = build_tables([corpus / folder])
    assert built.report.files_read == files
    assert (len(built.notices), len(built.awards), len(built.award_suppliers)) == (notices, awards, suppliers)
    assert built.report.duplicate_releases == duplicates
    independent = count_independently(corpus / folder)
    assert (independent["notices"], independent["awards"], independent["suppliers"]) == (notices, awards, suppliers)
    written = write_notices(built, None, tmp_path)  # empty tables too keep their exact types
    assert [pq.read_table(written[name]).num_rows for name in ("notices", "awards", "award_suppliers")] == [notices, awards, suppliers]
    assert pq.read_table(written["awards"]).schema.field("value_amount").type == pa.decimal128(18, 2)


def test_each_release_is_kept_once(tables):
    keys = list(zip(tables.notices.ocid, tables.notices.release_id))
    assert len(keys) == len(set(keys))
    assert tables.awards.groupby(["ocid", "award_id"]).size().max() == 1


def test_award_money_is_exact_to_the_penny(tables):
    values = tables.awards.value_amount.tolist()
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in values)
    # Summed by hand-checked regex over the 50 award blocks: £1,974,539,040.47.
    assert sum(values) == Decimal("1974539040.47")
    assert tables.awards.value_currency.unique().tolist() == ["GBP"]


# Looked up by hand in ../shared/realdata/contracts-finder/ocds-1.1-award-2019-20/<ocid>.json
HAND_CHECKED = [
    {
        "ocid": "ocds-b5fd17raw-0054a4e6-0715-42c6-9109-e219fe9d3289",
        "award_id": "0b4c6bb5-f880-408f-a9bd-7c2bf26d80bd",
        "value": Decimal("93527.00"),
        "buyer": "BFI",
        "date": utc(2020, 2, 18),
        "period": (utc(2019, 12, 9), utc(2020, 12, 8)),
        "suppliers": 2,
        "supplier": ("PETER DISPLAYS LTD T/A LIMELIGHT", None, None, False),
    },
    {
        "ocid": "ocds-b5fd17raw-2151c2ad-a80a-4bdd-8346-c8917fe8578d",
        "award_id": "50562d09-9409-48db-a320-51aa386e44cb",
        "value": Decimal("250000000.00"),
        "buyer": "NHS Shared Business Services Ltd (NHS SBS)",
        "date": utc(2020, 5, 11),
        "period": None,
        "suppliers": 25,
        "supplier": ("KPMG LLP", "GB-COH", "OC301540", False),
    },
    {
        "ocid": "ocds-b5fd17raw-65836f54-c8cd-4568-8d8b-656f49adce7f",
        "award_id": "d2a4f0b5-f045-4357-b1f1-8e935c2adddd",
        "value": Decimal("248652.47"),  # the one amount published with pence
        "buyer": "Lancashire County Council",
        "date": utc(2020, 3, 6),
        "period": (utc(2020, 4, 1), utc(2024, 3, 31)),
        "suppliers": 6,
        "supplier": ("SODEXO LIMITED", "GB-COH", "00842846", False),
    },
    {
        "ocid": "ocds-b5fd17raw-20d1e3f9-4570-41c3-b74a-a67eb12823a3",
        "award_id": "c998b9a3-076e-4fa0-9d6f-010cc04d8bcf",
        "value": Decimal("189000.00"),
        "buyer": "L&Q Construction",  # published as L&amp;Q Construction
        "date": utc(2020, 5, 12),
        "period": (utc(2020, 5, 16), utc(2024, 5, 16)),
        "suppliers": 10,
        "supplier": ("Accurate Roofing Ltd", None, None, False),
    },
    {
        "ocid": "ocds-b5fd17raw-24a41253-ebd4-4bd0-83a8-cfb05c4b8acd",
        "award_id": "397bf137-9b2d-48c1-b81c-7d8c3a7c6ff6",
        "value": Decimal("10000000.00"),
        "buyer": "Crown Commercial Service",
        "date": utc(2020, 6, 1),
        "period": (utc(2020, 6, 1), utc(2022, 5, 31)),
        "suppliers": 5,
        "supplier": ("Cision Group Ltd", "GB-COH", "00874637", False),  # published as '874637'
    },
]


@pytest.mark.parametrize("expected", HAND_CHECKED, ids=lambda e: e["buyer"])
def test_hand_checked_awards(tables, expected):
    award = tables.awards[tables.awards.award_id == expected["award_id"]]
    assert len(award) == 1
    award = award.iloc[0]
    assert award.ocid == expected["ocid"]
    assert award.value_amount == expected["value"] and award.value_currency == "GBP"
    assert award.status == "active"
    assert award.date == expected["date"]
    if expected["period"]:
        assert (award.contract_period_start, award.contract_period_end) == expected["period"]
    notice = tables.notices[(tables.notices.ocid == award.ocid) & (tables.notices.release_id == award.release_id)]
    assert notice.buyer_name.tolist() == [expected["buyer"]]
    suppliers = tables.award_suppliers[tables.award_suppliers.award_id == expected["award_id"]]
    assert len(suppliers) == expected["suppliers"]
    name, scheme, number, sme = expected["supplier"]
    row = suppliers[suppliers.supplier_name_raw == name].iloc[0]
    assert (value(row.identifier_scheme), value(row.company_number), row.sme) == (scheme, number, sme)


def test_supplier_identifiers_and_sme_flags(tables):
    suppliers = tables.award_suppliers
    assert Counter(suppliers.identifier_scheme.dropna()) == Counter({"GB-COH": 59, "GB-CQC": 4})
    assert suppliers.company_number.notna().sum() == 59
    assert suppliers.company_number.dropna().str.len().eq(8).all()
    assert (suppliers.sme == True).sum() == 190 and (suppliers.sme == False).sum() == 302  # noqa: E712
    press_data = suppliers[suppliers.supplier_name_raw == "Press Data"].iloc[0]
    assert (press_data.company_number, press_data.sme) == ("SC177530", True)


def test_html_entities_are_undone_and_noted(tables):
    names = set(tables.award_suppliers.supplier_name_raw) | set(tables.notices.buyer_name.dropna())
    assert not [n for n in names if "&amp;" in n or "&#039;" in n]
    assert "Reach Housing & Enablement Services Ltd" in names  # published double-escaped: &amp;amp;
    assert "MCCONECHY'S TYRE SERVICE LIMITED" in names
    assert "Telford & Wrekin Council" in names
    mcconechy = tables.award_suppliers[tables.award_suppliers.supplier_name_raw == "MCCONECHY'S TYRE SERVICE LIMITED"]
    assert mcconechy.company_number.tolist() == ["SC062229"]
    assert mcconechy.row_warnings.tolist() == ["supplier_name_raw: HTML unescaped"]
    assert tables.report.repairs["html_entities"] == 65


def test_party_ids_only_link_within_their_release(tables):
    suppliers = tables.award_suppliers
    # Contracts Finder numbers suppliers "1", "2"... in every release: "1" is many companies.
    assert suppliers[suppliers.supplier_party_id == "1"].supplier_name_raw.nunique() == 50
    # Every supplier row carries the identifier of the party with its id in its own release.
    for row in suppliers.itertuples():
        package = json.loads(Path(row.source_file).read_text(encoding="utf-8"))
        (release,) = [r for r in package["releases"] if r["id"] == row.release_id]
        party = {p["id"]: p for p in release["parties"]}[row.supplier_party_id]
        assert html.unescape(html.unescape(party["name"])).strip() == row.supplier_name_raw
        assert ((party.get("identifier") or {}).get("id") or None) == value(row.identifier_id)


def test_party_ids_are_not_shared_between_releases_in_one_package(tmp_path):
    def release(number: int, supplier: str) -> dict:
        return {
            "ocid": f"ocds-test-{number}",
            "id": f"ocds-test-{number}-award",
            "tag": ["award"],
            "parties": [{"id": "1", "name": supplier, "identifier": {"scheme": "GB-COH", "id": str(number)}}],
            "awards": [{"id": f"a{number}", "suppliers": [{"id": "1"}]}],
        }

    path = tmp_path / "package.json"
    path.write_text(json.dumps({"uri": "x", "version": "1.1", "releases": [release(1, "First Ltd"), release(2, "Second Ltd")]}))
    built = build_tables([path])
    linked = built.award_suppliers[["award_id", "supplier_name_raw", "company_number"]].values.tolist()
    assert linked == [["a1", "First Ltd", "00000001"], ["a2", "Second Ltd", "00000002"]]


def test_ocds_1_0_tender(tables):
    notice = tables.notices[tables.notices.release_id == "ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b-metofc-9mgh-ghl8ty"].iloc[0]
    assert notice.ocds_version == "1.0"
    assert notice.buyer_name == "Met Office"
    assert notice.title == "Climate Science for Service Partnership (CSSP): Calls for Expressions of Interest"
    assert notice.value_amount is None and notice.value_currency == "GBP"  # value.amount is null in 1.0
    assert notice.cpv == "73000000"
    assert notice.date == utc(2014, 12, 17, 16, 44, 56)
    assert notice.tag == "tender"


def test_records_give_their_embedded_releases(tables):
    notice = tables.notices[tables.notices.release_id == "ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b-59429-metofc-9mgh-ghl8ty"]
    assert len(notice) == 1
    notice = notice.iloc[0]
    assert notice.source_file.endswith("records/ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b.json")
    assert notice.source_locator == "releases[0]"
    assert notice.ocds_version == "1.1"
    assert notice.value_amount == Decimal("464500.00")
    # Contracts Finder's OCDS 1.0 data carries the contract dates as tender milestones.
    assert (notice.contract_period_start, notice.contract_period_end) == (utc(2015, 4, 1), utc(2016, 3, 31))


def test_record_packages_and_compiled_releases(tmp_path, corpus):
    record = json.loads((corpus / "ocds-2018-records/records/ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b.json").read_text())
    (tmp_path / "package.json").write_text(json.dumps({"uri": "x", "version": "1.1", "records": [record]}))
    linked_only = dict(record, releases=[{"url": "https://example.org/r.json", "date": "2014-12-17T16:44:56Z", "tag": ["tender"]}])
    (tmp_path / "linked.json").write_text(json.dumps(linked_only))
    built = build_tables([tmp_path / "package.json"])
    assert built.notices.source_locator.tolist() == ["records[0].releases[0]"]
    built = build_tables([tmp_path / "linked.json"])
    assert built.notices.source_locator.tolist() == ["compiledRelease"]
    assert built.notices.release_id.tolist() == [record["compiledRelease"]["id"]]


def test_rows_name_their_file_and_its_sha256(tables, corpus):
    for frame in tables.frames().values():
        assert frame.source_file.map(lambda p: Path(p).is_relative_to(corpus)).all()
        assert frame.source_locator.notna().all()
    for path, sha in tables.notices[["source_file", "source_sha256"]].drop_duplicates().values:
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
    assert tables.award_suppliers.source_locator.iloc[0] == "releases[0].awards[0].suppliers[0]"


def test_parquet_keeps_exact_types(tables, tmp_path):
    written = write_notices(tables, None, tmp_path / "clean")
    assert sorted(p.name for p in (tmp_path / "clean").iterdir()) == ["award_suppliers.parquet", "awards.parquet", "notices.parquet"]
    awards = pq.read_table(written["awards"])
    assert awards.schema.field("value_amount").type == pa.decimal128(18, 2)
    assert awards.schema.field("date").type == pa.timestamp("us", tz="UTC")
    assert sum(awards.column("value_amount").to_pylist()) == Decimal("1974539040.47")
    assert pq.read_table(written["notices"]).num_rows == 261
    assert pq.read_table(written["award_suppliers"]).schema.field("sme").type == pa.bool_()


def test_an_unreadable_file_is_reported_not_fatal(tmp_path, corpus):
    good = sorted((corpus / "ocds-1.1-award-2019-20").glob("*.json"))[0]
    shutil.copy(good, tmp_path / "good.json")
    (tmp_path / "cut.json").write_bytes(good.read_bytes()[:500])
    (tmp_path / "search.json").write_text('{"hitCount": 0, "noticeList": []}')
    (tmp_path / "odd.json").write_text('{"hello": "world"}')
    built = build_tables([tmp_path])
    assert len(built.notices) == 1
    assert [(Path(p).name, r.split(":")[0]) for p, r in built.report.files_rejected] == [("cut.json", "not JSON"), ("odd.json", "a unknown document, not an OCDS package, record or release")]
    assert [Path(p).name for p, _ in built.report.files_not_ocds] == ["search.json"]


def test_a_dirty_file_is_repaired_and_counted(tmp_path):
    dirty = (
        b'{"uri": "x", "version": "1.1", "releases": [{"ocid": "ocds-x-1", "id": "r1", "date": "2019-01-02T00:00:00Z",'
        b' "tag": ["award"], "buyer": {"id": "b", "name": "Guy&#039;s and St Thomas&#039; NHS FT"},'
        b' "parties": [{"id": "b", "name": "Guy&#039;s"}, {"id": "s", "name": "Caf\xe9 Ltd &amp;amp; Co"}],'
        b' "tender": {"title": "Caf\xe9", "description": "one<br/>two", "value": {"amount": NaN, "currency": "GBP"}},'
        b' "awards": [{"id": "a1", "date": "02/01/2019", "value": {"amount": 1e9999, "currency": "GBP"}, "suppliers": [{"id": "s"}]},'
        b'            {"id": "a2", "value": {"amount": 12.345}, "suppliers": [{"id": "missing", "name": "Ghost Ltd"}]}]},'
        b' {"ocid": "ocds-x-2"}]}'
    )
    (tmp_path / "dirty.json").write_bytes(dirty)
    built = build_tables([tmp_path])
    report = built.report
    assert report.repairs == Counter(
        {"invalid_bytes": 2, "html_entities": 2, "line_breaks": 1, "non_finite_number": 1,
         "amount_out_of_range": 1, "amount_sub_penny": 1, "bad_timestamp": 1}
    )
    assert (report.releases_read, report.releases_kept, len(report.releases_rejected)) == (2, 1, 1)
    notice = built.notices.iloc[0]
    assert (notice.buyer_name, notice.title, notice.description) == ("Guy's and St Thomas' NHS FT", "Café", "one\ntwo")
    assert notice.value_amount is None and value(notice.value_amount_raw) is None
    awards = built.awards.set_index("award_id")
    assert awards.loc["a1", "value_amount"] is None and awards.loc["a1", "value_amount_raw"] == "1E+9999"
    assert awards.loc["a1", "row_warnings"] == "value: amount 1E+9999 out of range; date: '02/01/2019' is not a date"
    assert awards.loc["a2", "value_amount_raw"] == "12.345"
    suppliers = built.award_suppliers.set_index("award_id")
    assert suppliers.loc["a1", "supplier_name_raw"] == "Café Ltd & Co"
    assert suppliers.loc["a2", "supplier_name_raw"] == "Ghost Ltd"
    assert "'missing' is not among this release's parties" in suppliers.loc["a2", "row_warnings"]
    write_notices(built, None, tmp_path / "clean")  # what was repaired still writes with exact types


def test_every_table_is_defined_and_described(tables):
    assert TABLES == {"notices": NOTICES, "awards": AWARDS, "award_suppliers": AWARD_SUPPLIERS}
    for name, fields in TABLES.items():
        assert all(f.description for f in fields)
        assert list(tables.frames()[name].columns) == [f.name for f in fields]
