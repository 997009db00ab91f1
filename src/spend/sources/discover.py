"""Find the spend files a publisher's transparency page links to.

Publishers lay these pages out in a few ways, and `discover` follows all of them from a landing page:

- a table or list of links to the files (`April 2020 (CSV, 33KB)`), on one page;
- one sub-page per year, linked from the landing page by a year or financial year (`2020/21`,
  `Spend over £25k 2019-20`) on the same host;
- an archive split into pages (`Next ›`, `rel="next"`, or numbered `?page=2` / `&p=3` links).

A file link is a link whose path (or query) ends in .csv, .xls, .xlsx, .ods or .pdf, or, for URLs
without an extension (GOV.UK and data.gov.uk attachment URLs, `download.ashx?id=...`), whose text,
`type` or `download` attribute says it is one (`CSV`, `Excel`, `PDF`). Files that are neither dated nor
described as spending (a redaction policy PDF) are left out. Each file's period is read from its link
text, then its file name, with the year sub-page's link text as context for a bare month (`July` under
`2020/21`).

Pages are parsed with the standard library's `html.parser`, which copes with the unclosed tags and
stray markup of content-management systems. Discovery never leaves the landing page's host for
pages (files may be on another host, such as assets.publishing.service.gov.uk), visits each page
once, and stops after `max_pages`.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit

from spend.core.errors import SpendError

from spend.sources.download import FILE_SUFFIXES, FileLink
from spend.core.periods import Period, infer_period

DEFAULT_MAX_PAGES = 60
_FORMAT_WORDS = re.compile(r"(?<![a-z])(csv|xlsx?|ods|pdf|excel|spreadsheet|open\s*document)(?![a-z])", re.I)
_FORMAT_TYPES = re.compile(r"csv|excel|spreadsheet|pdf|opendocument", re.I)
_SPEND_WORDS = re.compile(r"spend|expenditure|payment|transaction|invoice|25k|25,000|25000|over\s*£|£\s*500|supplier", re.I)
_PAGE_PARAMS = frozenset({"page", "p", "pg", "paged", "start", "offset", "pagenum", "page_no", "pageno", "currentpage"})
_NEXT_TEXTS = frozenset({"next", "next page", "next ›", "next »", "next >", "next >>", "›", "»", ">", ">>", "older",
                         "older entries", "older posts", "more"})
_YEAR_TOKEN = re.compile(r"(?<!\d)(?:fy\s*)?20\d\d(?:\s*[/\-–_]\s*(?:20)?\d\d)?(?!\d)|(?<![\d/])\d\d\s*/\s*\d\d(?![\d/])", re.I)
# Words that may surround a year in the text of a link to a year's sub-page.
_YEAR_PAGE_WORDS = frozenset({"spend", "spending", "expenditure", "payments", "payment", "transactions", "over", "£25k",
                              "25k", "£25,000", "£500", "500", "reports", "report", "data", "archive", "financial",
                              "year", "for", "of", "the", "to", "suppliers", "files", "fy", "in", "and", "£25", "000"})


@dataclass(frozen=True)
class Link:
    """One `<a href>` (or `<link href>`) on a page, resolved against the page's base URL."""

    url: str
    text: str
    rel: tuple[str, ...] = ()
    type: str = ""
    download: bool = False
    title: str = ""


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[dict[str, str | None], list[str]]] = []
        self._open: list[tuple[dict[str, str | None], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "base" and a.get("href") and self.base is None:
            self.base = a["href"]
        elif tag == "link" and a.get("href"):
            self.links.append((a, []))
        elif tag == "a":
            self._close_a()  # an unclosed <a> ends where the next one starts
            if a.get("href") is not None:
                entry: tuple[dict[str, str | None], list[str]] = (a, [])
                self.links.append(entry)
                self._open.append(entry)
        elif tag == "img" and self._open:
            alt = a.get("alt")
            if alt:
                self._open[-1][1].append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._close_a()

    def _close_a(self) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for _, text in self._open:
            text.append(data)


def extract_links(html: str, page_url: str) -> list[Link]:
    """Every link on the page with an http(s) target, resolved, fragment removed, in page order."""
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    out = []
    for attrs, parts in parser.links:
        href = (attrs.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        text = " ".join("".join(parts).split())
        title = " ".join((attrs.get("title") or attrs.get("aria-label") or "").split())
        rel = tuple((attrs.get("rel") or "").lower().split())
        out.append(Link(url, text or title, rel, (attrs.get("type") or "").lower(), "download" in attrs, title))
    return out


def _path_suffix(url: str) -> str:
    path = unquote(urlsplit(url).path).lower()
    match = re.search(r"\.[a-z0-9]{1,5}$", path)
    return match.group(0) if match else ""


def file_name_of(url: str) -> str:
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])


def is_file_link(link: Link) -> bool:
    """Does the link point at a spend file (see the module docstring)?"""
    suffix = _path_suffix(link.url)
    if suffix in FILE_SUFFIXES:
        return True
    query_values = [unquote(v).lower() for _, v in parse_qsl(urlsplit(link.url).query)]
    if any(v.endswith(FILE_SUFFIXES) for v in query_values):
        return True
    if suffix in (".htm", ".html", ".php", ".asp") and not link.download:
        return False  # a page, even when its text mentions a format ("CSV files for 2020")
    if link.download or (link.type and _FORMAT_TYPES.search(link.type)):
        return True
    return bool(_FORMAT_WORDS.search(link.text) or _FORMAT_WORDS.search(link.title))


def _same_host(a: str, b: str) -> bool:
    return urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()


def is_next_link(link: Link, page_url: str) -> bool:
    """A link to the next page of the same listing."""
    if not _same_host(link.url, page_url) or link.url == page_url:
        return False
    if "next" in link.rel:
        return True
    if link.text.strip().lower() in _NEXT_TEXTS or link.text.strip().lower().startswith("next "):
        return True
    here, there = urlsplit(page_url), urlsplit(link.url)
    if here.path != there.path:
        return False
    mine = dict(parse_qsl(here.query, keep_blank_values=True))
    theirs = dict(parse_qsl(there.query, keep_blank_values=True))
    changed = {k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k)}
    return bool(changed) and changed <= _PAGE_PARAMS and all(theirs.get(k, "").isdigit() for k in changed)


def is_year_link(link: Link, page_url: str) -> bool:
    """A link, on the same host, whose text is a year or financial year (perhaps with words such
    as `Spend over £25k`): the sub-page of one year's files."""
    if not _same_host(link.url, page_url) or is_file_link(link):
        return False
    text = link.text.lower()
    tokens = _YEAR_TOKEN.findall(text)
    if len(tokens) != 1:
        return False
    rest = _YEAR_TOKEN.sub(" ", text)
    words = [w for w in re.split(r"[\s:\-–()|,]+", rest) if w]
    return all(w in _YEAR_PAGE_WORDS for w in words)


def period_of(link: Link, context: tuple[str, ...]) -> Period | None:
    """The period a file link covers: from its text, else its file name (a month beats a range)."""
    found = [infer_period(text, context or None) for text in (link.text, file_name_of(link.url), link.title) if text]
    months = [p for p in found if p is not None and p.is_month]
    if months:
        return months[0]
    return next((p for p in found if p is not None), None)


@dataclass
class Discovery:
    """What `discover` found: file links (each once), the pages read, and what went wrong."""

    files: list[FileLink] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    page_limit_reached: bool = False


PageGetter = Callable[[str], "tuple[str, str]"]


def discover(landing_url: str, get_page: PageGetter, *, max_pages: int = DEFAULT_MAX_PAGES) -> Discovery:
    """Walk from `landing_url` through year sub-pages and pagination; collect the file links.

    `get_page(url) -> (final url, html text)` fetches a page; a `SpendError` from it is recorded as
    a problem and discovery carries on with the other pages.
    """
    found = Discovery()
    seen_pages: set[str] = set()
    seen_files: set[str] = set()
    queue: deque[tuple[str, tuple[str, ...]]] = deque([(urldefrag(landing_url)[0], ())])
    while queue:
        url, context = queue.popleft()
        if url in seen_pages:
            continue
        if len(found.pages) >= max_pages:
            found.page_limit_reached = True
            found.problems.append(f"{landing_url}: stopped after {max_pages} pages; {len(queue) + 1} not read")
            break
        seen_pages.add(url)
        try:
            final_url, html = get_page(url)
        except SpendError as e:
            found.problems.append(str(e))
            continue
        final_url = urldefrag(final_url)[0]
        seen_pages.add(final_url)
        found.pages.append(final_url)
        for link in extract_links(html, final_url):
            if is_file_link(link):
                if link.url in seen_files:
                    continue
                period = period_of(link, context)
                described = _SPEND_WORDS.search(link.text) or _SPEND_WORDS.search(file_name_of(link.url))
                if period is None and not described:
                    found.ignored.append(link.url)
                    continue
                seen_files.add(link.url)
                found.files.append(FileLink(link.url, link.text, period, landing_url, final_url))
            elif is_next_link(link, final_url):
                queue.append((link.url, context))
            elif is_year_link(link, final_url):
                queue.append((link.url, context + (link.text,)))
    return found
