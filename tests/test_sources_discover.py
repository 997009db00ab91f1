"""Finding file links on publishers' pages (no network: pages are strings here; the end-to-end test
serves them over HTTP)."""

from __future__ import annotations

import pytest

from spend.core.errors import SpendError
from spend.sources.discover import Link, discover, extract_links, is_file_link, is_next_link, is_year_link

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
])
def test_file_links(url, text, kw, expected):
    assert is_file_link(link(url, text, **kw)) is expected


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
    assert found.ignored == ["https://ccg.example.nhs.uk/docs/policy.pdf"]
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
