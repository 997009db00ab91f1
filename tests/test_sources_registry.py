"""The publisher registry: every entry is complete, and the shared corpus is shared out exactly."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from spend.analysis.selection import publisher_lineage
from spend.parse import parse_file
from spend.sources.errors import RegistryError, UnknownPublisher
from spend.sources.registry import KINDS, ODS_CODE, SLUG, Publisher, default_registry_path, get_publisher, load_publishers

PUBLISHERS = load_publishers()
SPEND_FOLDERS = ("nhs-london-2020-21", "central-government", "councils")
SPEND_SUFFIXES = (".csv", ".xls", ".xlsx", ".pdf")
# Files in the spend folders that belong to nobody, and why.
NOT_DATA = (
    "*.pdf.csv",  # a third party's extraction of the PDF beside it
    "nhs-london-2020-21/first-upload/*",  # earlier copies of files the archiver later edited
    "councils/lambeth/2011-01-payments.csv",  # pivot-table export (totals by supplier)
    "councils/lambeth/2012-05-payments.csv",  # pivot-table export (totals by supplier)
)


def spend_files(root: Path) -> list[str]:
    out = []
    for folder in SPEND_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and path.name.lower().endswith(SPEND_SUFFIXES) and not any(fnmatch.fnmatch(rel, g) for g in NOT_DATA):
                out.append(rel)
    return out


@pytest.mark.parametrize("publisher", PUBLISHERS, ids=lambda p: p.slug)
def test_every_entry_is_complete(publisher: Publisher, realdata: Path):
    assert SLUG.match(publisher.slug) and len(publisher.slug) <= 64
    assert publisher.name.strip() == publisher.name and publisher.name
    assert publisher.kind in KINDS
    assert publisher.notes, "every entry says what is known and unknown"
    if publisher.ods_code is not None:
        assert ODS_CODE.fullmatch(publisher.ods_code), publisher.ods_code
    for url in publisher.landing_pages:
        parts = urlsplit(url)
        assert parts.scheme == "https" and "." in parts.netloc and " " not in url, url
    if not publisher.landing_pages:
        assert "landing page unknown" in publisher.notes.lower()
    for pattern in publisher.corpus:
        assert list(realdata.glob(pattern)), f"{publisher.slug}: corpus glob {pattern!r} matches nothing"
    for rel, label in publisher.corpus_periods.items():
        assert (realdata / rel).is_file() and rel in [f.relative_to(realdata).as_posix() for f in publisher.corpus_files(realdata)]
    if publisher.successor:
        assert get_publisher(publisher.successor).slug == publisher.successor
    if publisher.corpus:
        assert isinstance(publisher.hints.get("publisher_column"), bool), "the store needs to know"


def test_every_spend_file_in_the_corpus_belongs_to_exactly_one_publisher(realdata: Path):
    owners: dict[str, list[str]] = {}
    for publisher in PUBLISHERS:
        for path in publisher.corpus_files(realdata):
            owners.setdefault(path.relative_to(realdata).as_posix(), []).append(publisher.slug)
    files = spend_files(realdata)
    assert len(files) == 120  # 107 NHS London, 4 central government, 9 council
    assert sorted(owners) == sorted(files), "files owned by nobody, or files that are not spend files"
    assert {f: o for f, o in owners.items() if len(o) != 1} == {}


def test_excluded_files_are_excluded_and_say_why(realdata: Path):
    lambeth = get_publisher("lambeth")
    assert [p.name for p in lambeth.corpus_files(realdata)] == ["2012-06-payments.csv"]
    assert lambeth.is_excluded("councils/lambeth/2011-01-payments.csv")
    text = default_registry_path().read_text(encoding="utf-8")
    assert "Pivot-table exports" in text and "third party's extraction" in text
    hounslow = get_publisher("nhs-hounslow-ccg")
    names = [p.name for p in hounslow.corpus_files(realdata)]
    assert len(names) == 8 and all(n.endswith(".pdf") for n in names)


def test_registry_counts_and_the_bodies_of_the_published_claims():
    slugs = [p.slug for p in PUBLISHERS]
    assert len(slugs) == 40
    kent = [p for p in PUBLISHERS if p.successor == "nhs-kent-and-medway-ccg"]
    assert sorted(p.name for p in kent) == [
        "NHS Ashford CCG", "NHS Canterbury and Coastal CCG", "NHS Dartford, Gravesham and Swanley CCG",
        "NHS Medway CCG", "NHS South Kent Coast CCG", "NHS Swale CCG", "NHS Thanet CCG", "NHS West Kent CCG",
    ]
    assert sorted(p.slug for p in PUBLISHERS if p.successor == "nhs-bsw-ccg") == ["nhs-banes-ccg", "nhs-swindon-ccg", "nhs-wiltshire-ccg"]
    assert {"dorset-council", "public-health-dorset", "waltham-forest", "nhs-england"} <= set(slugs)


# Who holds each closed body's records now: the London CCGs merged in April 2021, and every CCG's
# board (ICB) took over on 1 July 2022.
NOW_HELD_BY = {
    "nhs-hounslow-ccg": ["nhs-north-west-london-ccg", "nhs-north-west-london-icb"],
    "nhs-harrow-ccg": ["nhs-north-west-london-ccg", "nhs-north-west-london-icb"],
    "nhs-redbridge-ccg": ["nhs-north-east-london-ccg", "nhs-north-east-london-icb"],
    "nhs-ashford-ccg": ["nhs-kent-and-medway-ccg", "nhs-kent-and-medway-icb"],
    "nhs-swindon-ccg": ["nhs-bsw-ccg", "nhs-bsw-icb"],
    "dorset-county-council": ["dorset-council"],
    "barts-health": [],
}


@pytest.mark.parametrize("slug, successors", NOW_HELD_BY.items())
def test_successor_chains_end_with_the_body_that_holds_the_records_now(slug, successors):
    chain = [p.slug for p in publisher_lineage(slug)]
    assert chain == [slug, *successors]
    assert get_publisher(chain[-1]).successor is None


def test_no_ccg_is_the_end_of_a_chain():
    # Every CCG closed on 30 June 2022: a chain that stops at one would address an FOI request to nobody.
    last = {publisher_lineage(p.slug)[-1].slug for p in PUBLISHERS}
    assert [s for s in sorted(last) if get_publisher(s).kind == "ccg"] == []


def test_no_foi_contact_is_guessed():
    # Each FOI address must be checked on the body's own site before it goes in the registry; none has been.
    assert [p.slug for p in PUBLISHERS if p.foi_contact] == []


# ODS codes as checked against NHS Digital's lists (see the registry's header).
ODS = {
    "nhs-england": "X24", "nhs-hounslow-ccg": "07Y", "nhs-harrow-ccg": "08E", "nhs-redbridge-ccg": "08N",
    "barts-health": "R1H", "guys-and-st-thomas": "RJ1", "chelsea-and-westminster": "RQM", "epsom-and-st-helier": "RVR",
    "kingston-hospital": "RAX", "north-middlesex": "RAP", "croydon-health-services": "RJ6", "whittington-health": "RKE",
    "nhs-ashford-ccg": "09C", "nhs-canterbury-and-coastal-ccg": "09E", "nhs-dartford-gravesham-and-swanley-ccg": "09J",
    "nhs-medway-ccg": "09W", "nhs-south-kent-coast-ccg": "10A", "nhs-swale-ccg": "10D", "nhs-thanet-ccg": "10E",
    "nhs-west-kent-ccg": "99J", "nhs-kent-and-medway-ccg": "91Q", "nhs-banes-ccg": "11E", "nhs-swindon-ccg": "12D",
    "nhs-wiltshire-ccg": "99N", "nhs-bsw-ccg": "92G", "nhs-north-west-london-ccg": "W2U3Z",
    "nhs-north-east-london-ccg": "A3A8R", "nhs-north-west-london-icb": "QRV", "nhs-north-east-london-icb": "QMF",
    "nhs-kent-and-medway-icb": "QKS", "nhs-bsw-icb": "QOX",
}


def test_ods_codes():
    assert {p.slug: p.ods_code for p in PUBLISHERS if p.ods_code} == ODS


def test_the_store_contract():
    hounslow = get_publisher("nhs-hounslow-ccg")
    assert (hounslow.name, hounslow.hints.get("date_order"), hounslow.needs_publisher_name) == ("NHS Hounslow CCG", "day-first", False)
    assert get_publisher("epsom-and-st-helier").hints["date_order"] == "month-first"
    assert "date_order" not in get_publisher("nhs-redbridge-ccg").hints  # day first, then month first
    needs_name = sorted(p.slug for p in PUBLISHERS if p.needs_publisher_name)
    assert needs_name == ["chelsea-and-westminster", "croydon-health-services", "oxford-city-council", "whittington-health"]
    with pytest.raises(TypeError):
        hounslow.hints["date_order"] = "month-first"  # type: ignore[index]


def _cheap_corpus_files(realdata: Path) -> list[tuple[Publisher, Path]]:
    """Corpus files that parse in well under a second (not the PDFs, not Guy's 13,000-line months)."""
    return [(p, f) for p in PUBLISHERS for f in p.corpus_files(realdata)
            if f.suffix.lower() != ".pdf" and p.slug != "guys-and-st-thomas"]


@pytest.mark.slow
def test_publisher_column_hint_matches_the_files(realdata: Path):
    """`publisher_column: false` exactly when some file of the body has no Entity column."""
    lacking: dict[str, list[str]] = {}
    checked = 0
    for publisher, path in _cheap_corpus_files(realdata):
        frame = parse_file(path).payments
        checked += 1
        if frame["publisher"].isna().all():
            lacking.setdefault(publisher.slug, []).append(path.name)
    assert checked == 102  # 120 less the 16 PDFs and the 2 Guy's files
    assert lacking == {
        "chelsea-and-westminster": ["CHWE 03 - June.csv"],
        "croydon-health-services": [f.name for f in get_publisher("croydon-health-services").corpus_files(realdata)],
        "whittington-health": [f.name for f in get_publisher("whittington-health").corpus_files(realdata)],
        "oxford-city-council": ["expenditure-over-500-jan-mar-2017.csv"],
    }
    assert set(lacking) == {p.slug for p in PUBLISHERS if p.needs_publisher_name}


@pytest.mark.slow
def test_each_corpus_file_period_holds_its_last_payment_date(realdata: Path):
    """The period a file is stored under (from its name, or corpus_periods) against its own dates."""
    checked = 0
    for publisher, path in _cheap_corpus_files(realdata):
        period = publisher.corpus_period(path.relative_to(realdata).as_posix())
        dates = parse_file(path).payments["payment_date"].dropna()
        if dates.empty:  # Oxford apr-jun-2014: its dates are not read by the parser yet
            continue
        last = str(max(dates))[:7]
        assert period is not None and period.first_month <= last <= period.last_month, (path.name, period, last)
        checked += 1
    assert checked == 101


# --- loading rules ---------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
- slug: test-trust
  name: Test Trust
  kind: trust
  ods_code: "ABC"
  landing_pages: [http://127.0.0.1:8000/spend]
  hints: {publisher_column: true}
  corpus: []
  notes: a test
"""


def test_a_custom_registry_may_point_at_a_local_server(tmp_path):
    (publisher,) = load_publishers(write(tmp_path, GOOD))
    assert publisher.landing_pages == ("http://127.0.0.1:8000/spend",)
    assert get_publisher("test-trust", write(tmp_path, GOOD)).name == "Test Trust"


@pytest.mark.parametrize("change, message", [
    (("slug: test-trust", "slug: Test_Trust"), "slug"),
    (("kind: trust", "kind: hospital"), "kind 'hospital' is not one of"),
    (("  name: Test Trust\n", ""), "missing field(s) ['name']"),
    (("ods_code: \"ABC\"", "ods_code: 12"), "ods_code"),
    (("http://127.0.0.1:8000/spend", "ftp://example/spend"), "not an http(s) URL"),
    (("{publisher_column: true}", "{date_order: sideways}"), "date_order"),
    (("{publisher_column: true}", "{colour: red}"), "hints must be a mapping"),
    (("corpus: []", "corpus: [../elsewhere/*.csv]"), "relative globs"),
    (("corpus: []", "corpus: []\n  successor: nobody"), "successor 'nobody' is not in the registry"),
    (("corpus: []", "corpus: []\n  website: x"), "unknown field(s) ['website']"),
    (("corpus: []", "corpus: []\n  foi_contact: the FOI team"), "an email address or an https URL"),
    (("corpus: []", "corpus: []\n  foi_contact: http://example.org/foi"), "an email address or an https URL"),
    (("corpus: []", "corpus: []\n  successor: test-trust"), "successor must be another entry's slug"),
])
def test_malformed_entries_are_refused_with_the_reason(tmp_path, change, message):
    with pytest.raises(RegistryError) as e:
        load_publishers(write(tmp_path, GOOD.replace(*change)))
    assert message in str(e.value) and "registry.yaml" in str(e.value)


def test_an_foi_contact_is_an_email_address_or_an_https_page(tmp_path):
    for contact in ("foi@example.nhs.uk", "https://example.nhs.uk/foi-request"):
        (publisher,) = load_publishers(write(tmp_path, GOOD.replace("corpus: []", f"corpus: []\n  foi_contact: {contact}")))
        assert publisher.foi_contact == contact
    assert load_publishers(write(tmp_path, GOOD))[0].foi_contact is None


def test_successors_that_go_round_in_a_circle_are_refused(tmp_path):
    second = GOOD.replace("test-trust", "other-trust").replace("Test Trust", "Other Trust")
    text = (GOOD.replace("corpus: []", "corpus: []\n  successor: other-trust")
            + second.replace("corpus: []", "corpus: []\n  successor: test-trust"))
    with pytest.raises(RegistryError, match=r"registry.yaml \(test-trust\): successors go round in a circle: "
                                            r"test-trust -> other-trust -> test-trust"):
        load_publishers(write(tmp_path, text))


def test_duplicate_slugs_and_bad_files(tmp_path):
    with pytest.raises(RegistryError, match="appears twice"):
        load_publishers(write(tmp_path, GOOD + GOOD))
    with pytest.raises(RegistryError, match="not found"):
        load_publishers(tmp_path / "missing.yaml")
    with pytest.raises(RegistryError, match="YAML list"):
        load_publishers(write(tmp_path, "slug: x\n"))
    # A bad period names the registry file, the entry and the file it was given for.
    with pytest.raises(RegistryError, match=r"registry.yaml \(test-trust\): corpus_periods\['a.csv'\]: '2010-13' is not a month"):
        load_publishers(write(tmp_path, GOOD.replace("corpus: []", "corpus: []\n  corpus_periods: {a.csv: 2010-13}")))


def test_unknown_slug_suggests_the_nearest():
    with pytest.raises(UnknownPublisher) as e:
        get_publisher("nhs-hounslow")
    assert str(e.value).startswith("nhs-hounslow: no such publisher")
    assert "did you mean nhs-hounslow-ccg" in str(e.value)
