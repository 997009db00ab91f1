"""Finding file links on publishers' pages: first with pages as strings (no network), then end to end
against made-up sites served on 127.0.0.1 with the link shapes councils' and trusts' content-management
systems use (document links without a file extension, year pages written `2020 to 2021`, months linked
both as CSV and PDF, a page with no spend links)."""

from __future__ import annotations

from pathlib import Path

import pytest

from localserver import FakePublisherSite, SiteResource, files_under, loopback_only  # noqa: F401
from spend.cli import main
from spend.core.errors import SpendError
from spend.core.periods import Period
from spend.sources.discover import (
    FILE, NEXT_PAGE, SKIPPED, YEAR_PAGE, Link, discover, extract_links, is_file_link, is_next_link, is_year_link,
    link_format, prefer_tables, reads_like_a_file,
)
from spend.sources.download import FileLink, SessionPool
from spend.sources.fetch import fetch_publisher, get_page
from spend.sources.probe import Probe, judge_headers, probe_link
from spend.sources.registry import load_publishers

PAGE = "https://www.example-trust.nhs.uk/about-us/spend-over-25k"


def link(url: str, text: str = "", **kw) -> Link:
    return Link(url, text, **kw)


def test_links_are_resolved_against_the_page_and_its_base():
    html = """<html><head><title>Spend</title></head><body>
      <a href="files/CROY%2001%20-%20April.csv">April 2020 <span>(CSV,</span> 40KB)</a>
      <a href="/media/2345/may-2020.xlsx#top" title="May">May&nbsp;2020</a>
      <a href="mailto:foi@example.org">FOI</a> <a href="#main">skip</a> <a href="javascript:void(0)">x</a>
      <a href="//cdn.example.org/june.pdf">June 2020 <img src="pdf.png" alt="PDF"></a>
      <a href="ftp://old.example.org/july.csv">July</a>
      <a>no href</a>
    </body></html>"""
    found = extract_links(html, PAGE)
    assert [(l.url, l.text) for l in found] == [
        ("https://www.example-trust.nhs.uk/about-us/files/CROY%2001%20-%20April.csv", "April 2020 (CSV, 40KB)"),
        ("https://www.example-trust.nhs.uk/media/2345/may-2020.xlsx", "May 2020"),
        ("https://cdn.example.org/june.pdf", "June 2020 PDF"),
    ]
    based = extract_links('<base href="https://assets.example.org/spend/"><a href="a.csv">A</a>', PAGE)
    assert based[0].url == "https://assets.example.org/spend/a.csv"


def test_unclosed_anchors_and_rel_next():
    html = '<a href="a.csv">April 2020<a href="b.csv">May 2020</a><link rel="next" href="?page=2">'
    found = extract_links(html, PAGE)
    assert [(l.url.rsplit("/", 1)[-1], l.text, l.rel) for l in found] == [
        ("a.csv", "April 2020", ()), ("b.csv", "May 2020", ()), ("spend-over-25k?page=2", "", ("next",))]


@pytest.mark.parametrize("url, text, kw, expected", [
    ("https://x.org/a/April-2020.CSV", "April", {}, True),
    ("https://x.org/a/spend.xlsx?version=2", "", {}, True),
    ("https://x.org/a/old.xls", "", {}, True),
    ("https://x.org/a/q1.ods", "", {}, True),
    ("https://x.org/a/report.pdf", "", {}, True),
    ("https://x.org/download.ashx?file=april-2020.csv", "April", {}, True),
    ("https://assets.publishing.service.gov.uk/media/5f1a/attachment", "April 2020 (CSV, 33KB)", {}, True),
    ("https://data.gov.uk/dataset/abc/resource/123", "Download Excel", {}, True),
    ("https://x.org/getfile/77", "April 2020", {"type": "text/csv"}, True),
    ("https://x.org/getfile/78", "April 2020", {"download": True}, True),
    ("https://x.org/spend/2020-21.htm", "CSV files for 2020/21", {}, False),
    ("https://x.org/spend/2020-21", "2020/21", {}, False),
    ("https://x.org/news/april-2020", "News April 2020", {}, False),
    # a CMS's file name in a middle segment, a version id after it (Liferay, as Dorset Council's site has it)
    ("https://x.org/documents/20142/0/July+2020.csv/5f2c9a7e-31d4?version=1.0&t=1597060000000", "July 2020", {}, True),
    ("https://x.org/documents/d/guest/payments-over-500-april-2020", "April 2020", {}, False),  # the server is asked
])
def test_file_links(url, text, kw, expected):
    assert is_file_link(link(url, text, **kw)) is expected


@pytest.mark.parametrize("url, text, kw, expected", [
    ("https://x.org/documents/20142/0/July+2020.csv/5f2c9a7e?version=1.0", "July 2020", {}, "csv"),
    ("https://x.org/download.ashx?file=april-2020.XLSX", "April", {}, "xlsx"),
    ("https://x.org/media/5f1a/attachment", "April 2020 (PDF, 33KB)", {}, "pdf"),
    ("https://x.org/getfile/77", "April 2020", {"type": "text/csv"}, "csv"),
    ("https://data.gov.uk/dataset/abc/resource/123", "Download Excel", {}, "xlsx"),
    ("https://x.org/getfile/78", "April 2020", {"download": True}, None),  # a file, of a format nobody says
])
def test_link_formats(url, text, kw, expected):
    assert link_format(link(url, text, **kw)) == expected


@pytest.mark.parametrize("url, text, expected", [
    ("https://x.org/documents/d/guest/payments-over-500-april-2020", "", True),  # a document path
    ("https://x.org/download/4471", "Download", True),
    ("https://x.org/download.aspx?id=5", "May", True),  # a page's extension, but a download handler's path
    ("https://x.org/spend/april-2020", "APRIL 2020", True),  # text that reads like a month's file
    ("https://x.org/spend/q1", "Spend over £25k, first quarter", True),
    ("https://x.org/about-us", "About us", False),
    ("https://x.org/news/transparency-code.html", "Transparency code 2015", False),  # a page, and a year is no month
    ("https://www.gov.uk/code", "Local Government Transparency Code 2015", False),
    ("https://x.org/documents/board-papers.docx", "Board papers April 2020", False),  # another kind of file
    ("https://x.org/handler.ashx?id=7", "April 2020", True),  # a handler, not a page: the text decides
])
def test_links_that_could_be_documents(url, text, expected):
    assert reads_like_a_file(link(url, text)) is expected


@pytest.mark.parametrize("headers, expected", [
    ({"Content-Type": "text/csv; charset=utf-8"}, ("csv", "Content-Type text/csv", None)),
    ({"Content-Type": "application/octet-stream", "Content-Disposition": 'attachment; filename="Spend May 2020.XLSX"'},
     ("xlsx", "Content-Disposition filename 'Spend May 2020.XLSX'", "Spend May 2020.XLSX")),
    ({"Content-Type": "application/vnd.ms-excel"}, ("xls", "Content-Type application/vnd.ms-excel", None)),
    ({"Content-Type": "application/pdf"}, ("pdf", "Content-Type application/pdf", None)),
    ({"Content-Type": "text/html; charset=utf-8"}, ("html", "Content-Type text/html", None)),
    ({"Content-Type": "application/octet-stream"}, (None, "Content-Type application/octet-stream", None)),
    ({}, (None, "Content-Type (none)", None)),
])
def test_what_headers_say(headers, expected):
    assert judge_headers(headers) == expected


def test_a_month_linked_as_a_table_and_a_pdf_is_fetched_as_the_table():
    april, may = Period.month(2020, 4), Period.month(2020, 5)
    files = [FileLink("u/apr.pdf", period=april, format="pdf"), FileLink("u/apr.csv", period=april, format="csv"),
             FileLink("u/apr-again.pdf", period=april, format="pdf"), FileLink("u/may.pdf", period=may, format="pdf"),
             FileLink("u/may.xlsx", period=Period.parse("2020-05..2020-06"), format="xlsx"),
             FileLink("u/undated.pdf", format="pdf"), FileLink("u/undated.csv", format="csv")]
    assert [(f.url, f.alternative_of) for f in prefer_tables(files)] == [
        ("u/apr.pdf", "u/apr.csv"), ("u/apr.csv", None), ("u/apr-again.pdf", "u/apr.csv"),
        ("u/may.pdf", None),  # the only file of exactly May
        ("u/may.xlsx", None), ("u/undated.pdf", None), ("u/undated.csv", None)]
    assert prefer_tables(prefer_tables(files)) == prefer_tables(files)


@pytest.mark.parametrize("url, text, rel, expected", [
    (PAGE + "?page=2", "2", (), True),
    (PAGE + "?page=2", "Next ›", (), True),
    ("https://www.example-trust.nhs.uk/archive/older", "Older entries", (), True),
    ("https://www.example-trust.nhs.uk/archive/x", "", ("next",), True),
    (PAGE + "?p=3&sort=title", "3", (), False),  # changes more than the page number
    (PAGE + "?sort=title", "Title", (), False),
    ("https://other.example.org/spend?page=2", "Next", (), False),  # another host
    (PAGE, "Next", (), False),  # the page itself
])
def test_next_links(url, text, rel, expected):
    assert is_next_link(link(url, text, rel=rel), PAGE) is expected


@pytest.mark.parametrize("text, url, expected", [
    ("2020/21", "/spend/2020-21", True),
    ("2019-20", "/spend/2019-20", True),
    ("2018", "/spend/2018", True),
    ("Spend over £25k 2017/18", "/spend/1718", True),
    ("Financial year 2016-17", "/spend/fy", True),
    ("Annual report 2019/20", "/about/annual-report", False),
    ("2019/20 and 2020/21", "/spend/both", False),
    ("April 2020", "/spend/april", False),
    ("2020/21", "/spend/2020-21.csv", False),  # a file, not a sub-page
    ("2020/21", "https://elsewhere.example.org/2020-21", False),  # another host
    ("2020 to 2021", "/spend/2020-to-2021", True),  # GOV.UK's way of writing a financial year
    ("Financial year 2019 to 2020", "/spend/2019-to-2020", True),
    ("Spending over £25,000: 2018 to 2019", "/spend/2018-to-2019", True),
    ("April 2020 to March 2021", "/spend/apr-mar", False),
])
def test_year_links(text, url, expected):
    full = url if url.startswith("http") else "https://www.example-trust.nhs.uk" + url
    assert is_year_link(link(full, text), PAGE) is expected


def pages(site: dict[str, str], calls: list[str]):
    def get(url: str) -> tuple[str, str]:
        calls.append(url)
        if url not in site:
            raise SpendError(url, "HTTP 404 Not Found")
        return url, site[url]
    return get


def test_a_document_link_is_a_file_or_a_year_page_as_the_server_says():
    root = "https://council.example.gov.uk/spend"
    site = {root: '<a href="/documents/d/guest/spend-2020-to-2021">2020 to 2021</a>'
                  '<a href="/documents/d/guest/spend-2019-to-2020">2019 to 2020</a>'
                  '<a href="/documents/d/guest/about-spending">About our spending</a>',
            "https://council.example.gov.uk/documents/d/guest/spend-2019-to-2020": '<a href="/f/jan.csv">January</a>'}
    said = {"spend-2020-to-2021": Probe("", "csv", False, "Content-Type text/csv (HEAD)"),
            "spend-2019-to-2020": Probe("", None, True, "Content-Type text/html (HEAD)"),
            "about-spending": Probe("", None, False, "Content-Type application/octet-stream (GET; HEAD said nothing)")}
    asked: list[str] = []

    def check(url: str) -> Probe:
        asked.append(url.rsplit("/", 1)[-1])
        return said[url.rsplit("/", 1)[-1]]

    found = discover(root, pages(site, []), check_link=check)
    assert [(f.url.rsplit("/", 1)[-1], f.period.label) for f in found.files] == [
        ("spend-2020-to-2021", "2020-04..2021-03"),  # a year's file, not a year's page
        ("jan.csv", "2020-01")]  # on the page the server called HTML, with its year
    assert [(s.url.rsplit("/", 1)[-1], s.verdict) for s in found.links] == [
        ("spend-2020-to-2021", FILE), ("spend-2019-to-2020", YEAR_PAGE), ("about-spending", SKIPPED), ("jan.csv", FILE)]
    assert found.skipped[0].reason == ("not a file: the server did not say it is a spend file "
                                       "(Content-Type application/octet-stream (GET; HEAD said nothing))")
    assert asked == ["spend-2020-to-2021", "spend-2019-to-2020", "about-spending"] and found.checks == 3
    # without a way to ask, such links are skipped, and said to be
    unchecked = discover(root, pages(site, []))
    assert {s.reason for s in unchecked.skipped} == {"might be a file; not checked (no link checker)"}
    assert unchecked.files == [] and "no spend files found" in unchecked.problems[-1]


def test_year_sub_pages_give_bare_months_their_year_and_loops_end():
    root = "https://ccg.example.nhs.uk/spend"
    site = {
        root: '<a href="/spend/2020-21">2020/21</a> <a href="/spend/2019-20">2019/20</a> <a href="/spend/2018-19">2018/19</a>',
        root + "/2020-21": '<a href="/spend">Back</a><a href="/spend/2019-20">2019/20</a>'
                           '<ul><li><a href="/docs/a.pdf">July</a></li><li><a href="/docs/b.pdf">January</a></li></ul>',
        root + "/2019-20": '<a href="/spend/2020-21">2020/21</a><a href="/docs/c.csv">March</a>'
                           '<a href="/docs/a.pdf">July (again)</a><a href="/docs/policy.pdf">Redaction policy (PDF)</a>',
    }
    calls: list[str] = []
    found = discover(root, pages(site, calls))
    assert [(f.url.rsplit("/", 1)[-1], f.period.label, f.source_page.rsplit("/", 1)[-1]) for f in found.files] == [
        ("a.pdf", "2020-07", "2020-21"), ("b.pdf", "2021-01", "2020-21"), ("c.csv", "2020-03", "2019-20")]
    assert [(s.url.rsplit("/", 1)[-1], s.reason) for s in found.skipped] == [
        ("spend", "a page already read"),  # "Back"
        ("a.pdf", "the same file is linked earlier"),
        ("policy.pdf", "no period and no spend words"),
    ]
    assert sorted(calls) == sorted([root, root + "/2020-21", root + "/2019-20", root + "/2018-19"])  # each once
    assert found.problems == [f"{root}/2018-19: HTTP 404 Not Found"]
    assert all(f.landing_page == root for f in found.files)


def test_pagination_is_followed_to_the_end_and_the_page_limit_holds():
    root = "https://council.example.gov.uk/payments"
    site = {root: '<a href="?page=2">Next</a><a href="/f/apr-jun-2014.csv">Q1</a>'}
    for n in range(2, 9):
        site[f"{root}?page={n}"] = (f'<a href="?page={n - 1}">Previous</a><a href="?page={n + 1}">Next</a>'
                                    f'<a href="/f/spend-{2005 + n}.csv">Payments {2005 + n}</a>')
    site[f"{root}?page=1"] = site[root]  # "Previous" from page 2: the first page again, read once more
    calls: list[str] = []
    found = discover(root, pages(site, calls))
    assert len(found.files) == 8 and found.files[-1].period.label == "2013-01..2013-12"
    assert found.problems == [f"{root}?page=9: HTTP 404 Not Found"]
    assert len(calls) == 10 and len(set(calls)) == 10  # pages 1-9 and the root, each once
    limited = discover(root, pages(site, []), max_pages=3)
    # root, ?page=2, then ?page=1 (the "Previous" link, queued before "Next"): two distinct files
    assert (len(limited.pages), len(limited.files), limited.page_limit_reached) == (3, 2, True)
    assert "stopped after 3 pages" in limited.problems[-1]


# --- end to end: made-up sites on 127.0.0.1 ------------------------------------------------------------------
#
# A council whose CMS (Liferay, as Dorset Council's site runs on) links documents without extensions: the
# landing page links year pages written `2020 to 2021` and `Financial year 2019 to 2020`; the first lists
# months as `/documents/d/guest/<slug>` (the server says what each is: a CSV Content-Type, a Content-
# Disposition file name, HEAD refused so the first bytes tell, an XLSX Content-Type, an HTML page) and one
# `/documents/<id>/0/<name>.csv/<uuid>?version=1.0`; the second is an archive, in two pages, linking March
# and February both as CSV and PDF. And a trust whose transparency page links nothing that is spending.

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BART = "nhs-london-2020-21/BART"
NWHO = "nhs-london-2020-21/NWHO"
LANDING = "/council/payments-to-suppliers-over-500.aspx"
JULY = "/documents/20142/0/July+2020.csv/5f2c9a7e-31d4-b8a0-6e0f-6c1b2a9d4e11?version=1.0&t=1597060000000"


def payments_csv(month: str) -> bytes:
    return (f"Body name,Payment date,Supplier name,Expense type,Amount\r\n"
            f"Example Council,01/{month}/2020,ACME HIGHWAYS LTD,Road maintenance,12345.67\r\n"
            f"Example Council,15/{month}/2020,BLUE SKY CARE LTD,Adult social care,2500.00\r\n").encode()


def build_council(site: FakePublisherSite, realdata: Path) -> None:
    site.page(LANDING, """<!DOCTYPE html><html><head><title>Payments to suppliers over £500</title></head>
      <body><nav><a href="/council/">Home</a> <a href="/council/contact-us">Contact us</a></nav>
      <h1>Payments to suppliers over £500</h1>
      <p>We publish every payment over £500 each month, as the
        <a href="https://www.gov.uk/government/publications/local-government-transparency-code-2015">Local
        Government Transparency Code 2015</a> asks.</p>
      <ul><li><a href="/council/payments/2020-to-2021">2020 to 2021</a></li>
          <li><a href="/council/payments/2019-to-2020">Financial year 2019 to 2020</a></li></ul></body></html>""")
    site.page("/council/payments/2020-to-2021", f"""<html><body><h1>Payments over £500: 2020 to 2021</h1>
      <ul><li><a href="/documents/d/guest/payments-over-500-april-2020">April 2020</a></li>
          <li><a href="/documents/d/guest/payments-over-500-may-2020">MAY 2020</a></li>
          <li><a href="/documents/d/guest/june-2020-payments">june 2020</a></li>
          <li><a href="{JULY.replace("&", "&amp;")}">July 2020</a></li>
          <li><a href="/documents/d/guest/payments-august">August</a></li></ul>
      <p><a href="/documents/d/guest/how-we-publish-payments">How we publish payments</a>
         <a href="{LANDING}">Back to payments over £500</a></p></body></html>""")
    archive = """<html><body><h1>Payments over £500: 2019 to 2020</h1>
      <table><tr><th>Month</th><th colspan="2">Download</th></tr>
        <tr><td>March 2020</td><td><a href="/documents/d/guest/payments-march-2020-csv">CSV</a></td>
            <td><a href="/documents/d/guest/payments-march-2020-pdf">PDF</a></td></tr>
        <tr><td>February 2020</td><td><a href="/council/files/payments-february-2020.pdf">February 2020 (PDF, 300KB)</a></td>
            <td><a href="/council/files/payments-february-2020.csv">February 2020 (CSV, 20KB)</a></td></tr>
        <tr><td>January 2020</td><td><a href="/council/files/payments-january-2020.pdf">January 2020 (PDF, 280KB)</a></td></tr>
      </table><p><a href="/council/payments/2019-to-2020?page=2">Next &rsaquo;</a></p></body></html>"""
    site.page("/council/payments/2019-to-2020", archive)
    site.page("/council/payments/2019-to-2020?page=1", archive)
    site.page("/council/payments/2019-to-2020?page=2", """<html><body>
      <ul><li><a href="/council/files/payments-december-2019.csv">December 2019</a></li></ul>
      <p><a href="/council/payments/2019-to-2020?page=1">&lsaquo; Previous</a></p></body></html>""")
    site.add("/documents/d/guest/payments-over-500-april-2020", SiteResource(
        body=payments_csv("04"), content_type=CSV_TYPE,
        headers={"Content-Disposition": 'attachment; filename="payments-over-500-april-2020.csv"'}))
    site.add("/documents/d/guest/payments-over-500-may-2020", SiteResource(
        body=payments_csv("05"), content_type="application/octet-stream",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''Payments%20May%202020.csv"}))
    site.add("/documents/d/guest/june-2020-payments", SiteResource(  # HEAD refused; no name, no type: the bytes tell
        body=payments_csv("06"), content_type="application/octet-stream", head=False))
    site.add(JULY, SiteResource(body=payments_csv("07"), content_type=CSV_TYPE))
    site.add("/documents/d/guest/payments-august", SiteResource(file=realdata / BART / "BART 05 - August.xlsx",
                                                                content_type=XLSX_TYPE))
    site.page("/documents/d/guest/how-we-publish-payments", "<html><body><h1>How we publish payments</h1></body></html>")
    site.add("/documents/d/guest/payments-march-2020-csv", SiteResource(body=payments_csv("03"), content_type=CSV_TYPE))
    site.add("/documents/d/guest/payments-march-2020-pdf", SiteResource(file=realdata / NWHO / "NWHO 06 - September.pdf",
                                                                        content_type="application/pdf"))
    site.add("/council/files/payments-february-2020.csv", SiteResource(body=payments_csv("02"), content_type=CSV_TYPE))
    site.add("/council/files/payments-february-2020.pdf", SiteResource(file=realdata / NWHO / "NWHO 05 - August.pdf",
                                                                       content_type="application/pdf"))
    site.add("/council/files/payments-january-2020.pdf", SiteResource(file=realdata / NWHO / "NWHO 04 - July.pdf",
                                                                      content_type="application/pdf"))
    site.add("/council/files/payments-december-2019.csv", SiteResource(body=payments_csv("12"), content_type=CSV_TYPE))

    site.page("/quiet/about-us/transparency", """<html><body><h1>Transparency</h1>
      <p><a href="/quiet/about-us">About us</a> <a href="/quiet/about-us/annual-report-2019-20">Annual report 2019/20</a>
         <a href="/quiet/docs/privacy-notice.pdf">Privacy notice (PDF)</a> <a href="/quiet/docs/board-papers.docx">Board
         papers</a> <a href="https://www.nhs.uk/">NHS website</a></p></body></html>""")
    site.page("/quiet/about-us/annual-report-2019-20", "<html><body>Annual report</body></html>")
    site.add("/quiet/docs/privacy-notice.pdf", SiteResource(file=realdata / NWHO / "NWHO 01 - April.pdf",
                                                            content_type="application/pdf"))


REGISTRY = """
- slug: cms-council
  name: CMS Council
  kind: council
  landing_pages: ["{base}/council/payments-to-suppliers-over-500.aspx"]
  hints: {{}}
  corpus: []
  notes: a test site
- slug: quiet-trust
  name: Quiet Trust
  kind: trust
  landing_pages: ["{base}/quiet/about-us/transparency"]
  hints: {{}}
  corpus: []
  notes: a test site
"""


@pytest.fixture
def site(realdata):
    with FakePublisherSite() as running:
        build_council(running, realdata)
        yield running


@pytest.fixture
def registry(site, tmp_path) -> Path:
    path = tmp_path / "publishers.yaml"
    path.write_text(REGISTRY.format(base=site.base_url), encoding="utf-8")
    return path


def fetch(registry: Path, slug: str, raw: Path, **kw):
    (publisher,) = [p for p in load_publishers(registry) if p.slug == slug]
    with SessionPool(wait_scale=0) as pool:
        return fetch_publisher(publisher, raw_root=raw, pool=pool, **kw)


def path_of(url: str | None) -> str | None:
    return None if url is None else "/" + url.split("/", 3)[3]


def test_links_are_followed_by_what_they_are(site, registry, tmp_path):
    report = fetch(registry, "cms-council", tmp_path / "raw", dry_run=True)
    (found,) = report.discoveries
    assert [(path_of(f.url), f.period.label, f.format, path_of(f.alternative_of)) for f in found.files] == [
        ("/documents/d/guest/payments-over-500-april-2020", "2020-04", "csv", None),  # HEAD: text/csv
        ("/documents/d/guest/payments-over-500-may-2020", "2020-05", "csv", None),  # HEAD: the file name
        ("/documents/d/guest/june-2020-payments", "2020-06", "csv", None),  # HEAD refused: the first bytes
        (JULY, "2020-07", "csv", None),  # `.csv` in the middle of the path: not asked
        ("/documents/d/guest/payments-august", "2020-08", "xlsx", None),  # a bare month under `2020 to 2021`
        ("/documents/d/guest/payments-march-2020-csv", "2020-03", "csv", None),
        ("/documents/d/guest/payments-march-2020-pdf", "2020-03", "pdf", "/documents/d/guest/payments-march-2020-csv"),
        ("/council/files/payments-february-2020.pdf", "2020-02", "pdf", "/council/files/payments-february-2020.csv"),
        ("/council/files/payments-february-2020.csv", "2020-02", "csv", None),
        ("/council/files/payments-january-2020.pdf", "2020-01", "pdf", None),  # no table of January
        ("/council/files/payments-december-2019.csv", "2019-12", "csv", None),
    ]
    not_files = [(path_of(s.url), s.verdict, s.reason) for s in found.links if s.verdict != FILE]
    assert not_files == [
        ("/council/", SKIPPED, "not a file, a year page or a next page"),
        ("/council/contact-us", SKIPPED, "not a file, a year page or a next page"),
        ("/government/publications/local-government-transparency-code-2015", SKIPPED, "a page on another host"),
        ("/council/payments/2020-to-2021", YEAR_PAGE, ""),
        ("/council/payments/2019-to-2020", YEAR_PAGE, ""),
        ("/documents/d/guest/how-we-publish-payments", SKIPPED,
         "not a file: an HTML page (Content-Type text/html (HEAD))"),
        (LANDING, SKIPPED, "a page already read"),
        ("/council/payments/2019-to-2020?page=2", NEXT_PAGE, ""),
        ("/council/payments/2019-to-2020?page=1", NEXT_PAGE, ""),  # "‹ Previous": the first page, read again
        *[(path, SKIPPED, "the same file is linked earlier") for path in (
            "/documents/d/guest/payments-march-2020-csv", "/documents/d/guest/payments-march-2020-pdf",
            "/council/files/payments-february-2020.pdf", "/council/files/payments-february-2020.csv",
            "/council/files/payments-january-2020.pdf")],
        ("/council/payments/2019-to-2020?page=2", NEXT_PAGE, ""),
    ]
    checked = {path_of(s.url): s.reason for s in found.links if s.verdict == FILE and s.reason}
    assert checked == {
        "/documents/d/guest/payments-over-500-april-2020":
            "checked: Content-Disposition filename 'payments-over-500-april-2020.csv' (HEAD)",
        "/documents/d/guest/payments-over-500-may-2020": "checked: Content-Disposition filename 'Payments May 2020.csv' (HEAD)",
        "/documents/d/guest/june-2020-payments": "checked: first bytes b'Body nam' (GET; HEAD refused (HTTP 405))",
        "/documents/d/guest/payments-august": f"checked: Content-Type {XLSX_TYPE} (HEAD)",
    }
    assert (found.checks, report.checks, report.problems) == (5, 5, [])
    assert {path_of(o.url): o.status for o in report.outcomes if o.status != "would-fetch"} == {
        "/documents/d/guest/payments-march-2020-pdf": "alternative", "/council/files/payments-february-2020.pdf": "alternative"}
    assert report.summary() == "cms-council: 11 files (9 would-fetch, 2 alternative), 5 pages read, 5 links checked"

    # what was asked of the server: a HEAD per link without extension; a GET of the first 2 KB where HEAD was refused
    documents = [(h.method, h.path, h.status, h.range) for h in site.log if h.path.startswith("/documents/")]
    assert documents == [
        ("HEAD", "/documents/d/guest/payments-over-500-april-2020", 200, None),
        ("HEAD", "/documents/d/guest/payments-over-500-may-2020", 200, None),
        ("HEAD", "/documents/d/guest/june-2020-payments", 405, None),
        ("GET", "/documents/d/guest/june-2020-payments", 200, "bytes=0-2047"),
        ("HEAD", "/documents/d/guest/payments-august", 200, None),
        ("HEAD", "/documents/d/guest/how-we-publish-payments", 200, None),
    ]
    assert not site.hits("/quiet/about-us/transparency")  # the other publisher's page


def test_links_found_by_asking_are_stored_and_alternatives_are_not_downloaded(site, registry, tmp_path):
    raw = tmp_path / "raw"
    report = fetch(registry, "cms-council", raw)
    assert (report.count("fetched"), report.count("alternative"), report.problems, report.failed) == (9, 2, [], [])
    stored = [p for p in files_under(raw) if not p.endswith(".meta.json")]
    assert stored == [
        "spend/cms-council/2019-12/payments-december-2019.csv",
        "spend/cms-council/2020-01/payments-january-2020.pdf",
        "spend/cms-council/2020-02/payments-february-2020.csv",
        "spend/cms-council/2020-03/payments-march-2020-csv.csv",  # the link says only "CSV": the URL names it
        "spend/cms-council/2020-04/payments-over-500-april-2020.csv",  # Content-Disposition
        "spend/cms-council/2020-05/Payments May 2020.csv",
        "spend/cms-council/2020-06/june 2020.csv",  # no name anywhere but the link text; the format from the bytes
        "spend/cms-council/2020-07/July+2020.csv",  # the name in the middle of the URL
        "spend/cms-council/2020-08/August.xlsx",  # the link text, a bare month under its year page
    ]
    assert (raw / "spend/cms-council/2020-06/june 2020.csv").read_bytes() == payments_csv("06")
    # the PDFs of months also published as CSV were never downloaded, nor read beyond a HEAD
    for pdf in ("/documents/d/guest/payments-march-2020-pdf", "/council/files/payments-february-2020.pdf"):
        assert site.hits(pdf) == []


def test_a_landing_page_without_spend_links_is_a_problem_that_lists_its_links(site, registry, tmp_path):
    report = fetch(registry, "quiet-trust", tmp_path / "raw", dry_run=True)
    (found,) = report.discoveries
    assert found.files == [] and report.outcomes == []
    assert [(path_of(s.url), s.reason) for s in found.skipped] == [
        ("/quiet/about-us", "not a file, a year page or a next page"),
        ("/quiet/about-us/annual-report-2019-20", "not a file: an HTML page (Content-Type text/html (HEAD))"),
        ("/quiet/docs/privacy-notice.pdf", "no period and no spend words"),
        ("/quiet/docs/board-papers.docx", "not a spend file (.docx)"),
        ("/", "a page on another host"),
    ]
    assert report.problems == [f"{site.url('/quiet/about-us/transparency')}: no spend files found: 5 links on 1 page, "
                               "none of them a spend file with a period or spend words"]
    assert not report.ok


def test_limits_on_pages_and_checks_are_reasons_and_problems(site, registry, tmp_path):
    few_pages = fetch(registry, "cms-council", tmp_path / "raw", dry_run=True, max_pages=1)
    (found,) = few_pages.discoveries
    assert [(path_of(s.url), s.verdict, s.reason) for s in found.links if "limit" in s.reason] == [
        ("/council/payments/2020-to-2021", SKIPPED, "not read: the limit of 1 pages was reached"),
        ("/council/payments/2019-to-2020", SKIPPED, "not read: the limit of 1 pages was reached")]
    assert few_pages.problems == [
        f"{site.url(LANDING)}: stopped after 1 pages; 2 not read",
        f"{site.url(LANDING)}: no spend files found: 5 links on 1 page, none of them a spend file with a period or spend words"]

    few_checks = fetch(registry, "cms-council", tmp_path / "raw", dry_run=True, max_checks=2)
    (found,) = few_checks.discoveries
    assert [path_of(f.url) for f in found.files][:3] == [
        "/documents/d/guest/payments-over-500-april-2020", "/documents/d/guest/payments-over-500-may-2020", JULY]
    assert [(path_of(s.url), s.reason) for s in found.skipped if "checked" in s.reason] == [
        (f"/documents/d/guest/{name}", "not checked: the limit of 2 link checks was reached")
        for name in ("june-2020-payments", "payments-august", "how-we-publish-payments")]
    assert few_checks.problems == [f"{site.url(LANDING)}: stopped asking servers what links are after 2 checks; "
                                   "3 links not checked"]


def test_a_document_link_the_server_cannot_answer_is_a_problem(site, tmp_path):
    site.page("/broken/spend", '<a href="/documents/d/guest/payments-april-2020">April 2020</a>'
                               '<a href="/files/payments-may-2020.csv">May 2020</a>')
    with SessionPool(wait_scale=0) as pool:
        found = discover(site.url("/broken/spend"), lambda url: get_page(pool, url),
                         check_link=lambda url: probe_link(pool, url))
    assert [path_of(f.url) for f in found.files] == ["/files/payments-may-2020.csv"]
    (skipped,) = found.skipped
    assert skipped.reason.startswith("could not be checked: HTTP 404 Not Found")
    assert found.problems[0].startswith(f"{site.url('/documents/d/guest/payments-april-2020')}: could not tell whether "
                                        "it is a spend file: HTTP 404 Not Found")
    assert [(h.method, h.status) for h in site.hits("/documents/d/guest/payments-april-2020")] == [("HEAD", 404), ("GET", 404)]


def test_when_head_says_nothing_useful_the_first_bytes_decide(site, realdata):
    site.add("/download/4471", SiteResource(file=realdata / NWHO / "NWHO 07 - October.pdf",
                                            content_type="application/octet-stream"))
    site.add("/download/4472", SiteResource(body=b"<!DOCTYPE html><html><body>Sign in</body></html>",
                                            content_type="application/octet-stream"))
    with SessionPool(wait_scale=0) as pool:
        october, sign_in = probe_link(pool, site.url("/download/4471")), probe_link(pool, site.url("/download/4472"))
    assert (october.format, october.page, october.requests) == ("pdf", False, 2)
    assert october.evidence == "first bytes b'%PDF-1.5' (GET; HEAD said Content-Type application/octet-stream)"
    assert (sign_in.format, sign_in.page) == (None, True)
    assert [(h.method, h.range) for h in site.hits("/download/4471")] == [("HEAD", None), ("GET", "bytes=0-2047")]


def cli(*argv: str) -> int:
    return main(list(argv))


def test_cli_verbose_dry_run_prints_every_link_with_its_verdict(site, registry, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
    raw = tmp_path / "raw"
    assert cli("fetch", "--publisher", "cms-council", "--registry", str(registry), "--raw-dir", str(raw),
               "--dry-run", "--verbose") == 0
    captured = capsys.readouterr()
    out = captured.out.replace(site.base_url, "")
    lines = out.splitlines()
    assert captured.err == ""
    # every link seen, under the page it is on
    assert sum(line.startswith("  ") for line in lines) == 26 and lines[0] == f"page {LANDING}"
    for line in (
        '  skipped: /council/contact-us "Contact us" - not a file, a year page or a next page',
        '  skipped: https://www.gov.uk/government/publications/local-government-transparency-code-2015 '
        '"Local Government Transparency Code 2015" - a page on another host',
        '  year page: /council/payments/2020-to-2021 "2020 to 2021"',
        '  year page: /council/payments/2019-to-2020 "Financial year 2019 to 2020"',
        "page /council/payments/2020-to-2021",
        '  file 2020-06 (csv): /documents/d/guest/june-2020-payments "june 2020" '
        "[checked: first bytes b'Body nam' (GET; HEAD refused (HTTP 405))]",
        f'  file 2020-07 (csv): {JULY} "July 2020"',
        '  skipped: /documents/d/guest/how-we-publish-payments "How we publish payments" - '
        "not a file: an HTML page (Content-Type text/html (HEAD))",
        '  file 2020-03 (pdf): /documents/d/guest/payments-march-2020-pdf "PDF" '
        "[alternative to /documents/d/guest/payments-march-2020-csv]",
        '  next page: /council/payments/2019-to-2020?page=2 "Next ›"',
        # what is done with the files
        f"would fetch {JULY} (2020-07) -> {raw}/spend/cms-council/2020-07",
        "alternative /council/files/payments-february-2020.pdf (2020-02): a PDF of 2020-02, also linked as a table: "
        "/council/files/payments-february-2020.csv; not fetched",
    ):
        assert line in lines, line
    assert lines[-1] == "cms-council: 11 files (9 would-fetch, 2 alternative), 5 pages read, 5 links checked"
    assert not raw.exists()


def test_cli_fetch_exits_non_zero_and_says_why_when_a_landing_page_yields_nothing(site, registry, tmp_path, capsys,
                                                                                   monkeypatch):
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
    assert cli("fetch", "--publisher", "quiet-trust", "--registry", str(registry), "--raw-dir", str(tmp_path / "raw"),
               "--dry-run") == 1
    captured = capsys.readouterr()
    assert captured.out == "quiet-trust: 0 files (none), 1 page read, 1 link checked\n"
    landing = site.url("/quiet/about-us/transparency")
    assert captured.err.replace(site.base_url, "").splitlines() == [
        "error: /quiet/about-us/transparency: no spend files found: 5 links on 1 page, none of them a spend file "
        "with a period or spend words",
        "links seen from /quiet/about-us/transparency:",
        "page /quiet/about-us/transparency",
        '  skipped: /quiet/about-us "About us" - not a file, a year page or a next page',
        '  skipped: /quiet/about-us/annual-report-2019-20 "Annual report 2019/20" - '
        "not a file: an HTML page (Content-Type text/html (HEAD))",
        '  skipped: /quiet/docs/privacy-notice.pdf "Privacy notice (PDF)" - no period and no spend words',
        '  skipped: /quiet/docs/board-papers.docx "Board papers" - not a spend file (.docx)',
        '  skipped: https://www.nhs.uk/ "NHS website" - a page on another host',
    ]
    assert landing in captured.err
