"""Find the spend files a publisher's transparency page links to, and say what became of every link.

Publishers lay these pages out in a few ways, and `discover` follows all of them from a landing page:

- a table or list of links to the files (`April 2020 (CSV, 33KB)`), on one page;
- one sub-page per year, linked from the landing page by a year or financial year (`2020/21`,
  `Spend over £25k 2019-20`, `2020 to 2021`) on the same host;
- an archive split into pages (`Next ›`, `rel="next"`, or numbered `?page=2` / `&p=3` links).

A link is taken for a file by what it is:

1. its URL has a spend file's extension (.csv, .xls, .xlsx, .ods, .pdf) in any segment of its path
   (`/files/April.csv`, Liferay's `/documents/123/April.csv/<uuid>?version=1.0`) or in its query
   (`download.ashx?file=april.csv`);
2. else its text, `type` or `download` attribute says it is one (`April 2020 (CSV)`, `Download Excel`),
   as GOV.UK and data.gov.uk attachment URLs need;
3. else, when it looks like it could be a document -- a content-management system's document path
   (`/documents/d/guest/<slug>`, `/download/123`, `.../attachment`) or text that reads like a spend file
   or a month -- the server is asked (`spend.sources.probe`: HEAD, else the first bytes of a GET), at
   most `max_checks` times per landing page. What the server calls an HTML page is not a file (it is
   followed as a year page when its text says it is one).

Files that are neither dated nor described as spending (a redaction policy PDF) are left out. Each
file's period is read from its link text, then its file name (or the name the server gives it), with the
year sub-page's link text as context for a bare month (`July` under `2020/21`). A month linked both as
a table (CSV, XLSX, XLS, ODS) and as a PDF is taken as the table; the PDF is kept as its alternative
(`prefer_tables`), so the same payments are not stored twice.

Every link seen is kept in `Discovery.links` with its verdict -- a file, a year page, a next page, or
skipped with the reason -- and a landing page that yields no file at all is a problem, not an empty
success. Pages are parsed with the standard library's `html.parser`, which copes with the unclosed tags
and stray markup of content-management systems. Discovery never leaves the landing page's host for
pages (files may be on another host, such as assets.publishing.service.gov.uk), visits each page
once, and stops after `max_pages`.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Callable
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit

from spend.core.errors import SpendError

from spend.sources.download import FILE_SUFFIXES, FileLink, file_name_in_url
from spend.sources.probe import FORMAT_TYPES, Probe
from spend.core.periods import Period, infer_period

DEFAULT_MAX_PAGES = 60
# Links whose server is asked what they are, per landing page: a council's archive of five years of
# monthly files without extensions is 60-odd links; each check is a paced HEAD (and maybe a short GET).
DEFAULT_MAX_CHECKS = 200
TABLE_FORMATS = ("csv", "xlsx", "xls", "ods")

# What discovery made of a link (`SeenLink.verdict`).
FILE, YEAR_PAGE, NEXT_PAGE, SKIPPED = "file", "year page", "next page", "skipped"

_FORMAT_WORDS = re.compile(r"(?<![a-z])(csv|xlsx?|ods|pdf|excel|spreadsheet|open\s*document)(?![a-z])", re.I)
_FORMAT_OF_WORD = {"csv": "csv", "xls": "xls", "xlsx": "xlsx", "ods": "ods", "pdf": "pdf", "excel": "xlsx",
                   "spreadsheet": "xlsx", "opendocument": "ods"}
_FORMAT_TYPES = re.compile(r"csv|excel|spreadsheet|pdf|opendocument", re.I)
_SPEND_WORDS = re.compile(r"spend|expenditure|payment|transaction|invoice|25k|25,000|25000|over\s*£|£\s*500|supplier", re.I)
_PAGE_PARAMS = frozenset({"page", "p", "pg", "paged", "start", "offset", "pagenum", "page_no", "pageno", "currentpage"})
_NEXT_TEXTS = frozenset({"next", "next page", "next ›", "next »", "next >", "next >>", "›", "»", ">", ">>", "older",
                         "older entries", "older posts", "more"})
_YEAR_TOKEN = re.compile(r"(?<!\d)(?:fy\s*)?20\d\d(?:\s*[/\-–_]\s*(?:20)?\d\d|\s+to\s+(?:20)?\d\d)?(?!\d)"
                         r"|(?<![\d/])\d\d\s*/\s*\d\d(?![\d/])", re.I)
# Words that may surround a year in the text of a link to a year's sub-page.
_YEAR_PAGE_WORDS = frozenset({"spend", "spending", "expenditure", "payments", "payment", "transactions", "over", "£25k",
                              "25k", "£25,000", "£500", "500", "reports", "report", "data", "archive", "financial",
                              "year", "for", "of", "the", "to", "suppliers", "files", "fy", "in", "and", "£25", "000"})
# Paths content-management systems serve documents from without an extension: Liferay's
# `/documents/d/guest/<slug>` (Dorset Council), `/download/123`, `/downloads/file/77`, GOV.UK's
# `.../attachment`, `getfile.aspx?id=`, `/media/1234`.
_DOCUMENT_PATH = re.compile(r"(?<![a-z])(documents?|docs?|downloads?|download\w*|attachments?|files?|getfile\w*"
                            r"|media|assets|uploads?)(?![a-z])", re.I)
# Extensions of web pages: not files, unless the path says it serves documents (`download.aspx?id=5`).
_PAGE_SUFFIXES = (".htm", ".html", ".php", ".asp", ".aspx", ".jsp", ".cfm", ".shtml")
# Files that are not spend files, whatever their link says.
_OTHER_FILE_SUFFIXES = (".doc", ".docx", ".odt", ".rtf", ".txt", ".ppt", ".pptx", ".zip", ".jpg", ".jpeg", ".png",
                        ".gif", ".svg", ".json", ".xml", ".mp3", ".mp4")
_EXTENSION = re.compile(r"\.([a-z][a-z0-9]{1,4})$")


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


def file_name_of(url: str) -> str:
    """The file name a URL carries: its segment with a spend file's extension, else its last segment."""
    return file_name_in_url(url) or unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])


def _format_in_url(url: str) -> str | None:
    name = file_name_in_url(url)
    if name:
        return name.rsplit(".", 1)[-1].lower()
    for _, value in parse_qsl(urlsplit(url).query):
        value = unquote(value).lower()
        if value.endswith(FILE_SUFFIXES):
            return value.rsplit(".", 1)[-1]
    return None


def _last_suffix(url: str) -> str:
    match = _EXTENSION.search(unquote(urlsplit(url).path).lower())
    return match.group(0) if match else ""


def _format_said_by(link: Link) -> str | None:
    """The format the link's `type` attribute, text or title names, if any."""
    kind = link.type.split(";")[0].strip()
    if kind in FORMAT_TYPES:
        return FORMAT_TYPES[kind]
    for text in (link.type, link.text, link.title):
        match = _FORMAT_WORDS.search(text) or _FORMAT_TYPES.search(text)
        if match:
            return _FORMAT_OF_WORD.get(re.sub(r"\s+", "", match.group(0).lower()))
    return None


def is_file_link(link: Link) -> bool:
    """Does the link itself say it points at a spend file (rules 1 and 2 of the module docstring)?"""
    if _format_in_url(link.url):
        return True
    if _last_suffix(link.url) in _PAGE_SUFFIXES and not link.download:
        return False  # a page, even when its text mentions a format ("CSV files for 2020")
    if link.download or (link.type and _FORMAT_TYPES.search(link.type)):
        return True
    return bool(_FORMAT_WORDS.search(link.text) or _FORMAT_WORDS.search(link.title))


def link_format(link: Link) -> str | None:
    """csv, xlsx, xls, ods or pdf: what the link's URL, else its type, text or title, says it is."""
    return _format_in_url(link.url) or _format_said_by(link)


def is_document_path(url: str) -> bool:
    """Does the URL's path look like a content-management system's document (see `_DOCUMENT_PATH`)?"""
    return bool(_DOCUMENT_PATH.search(unquote(urlsplit(url).path)))


def reads_like_a_file(link: Link, context: tuple[str, ...] = ()) -> bool:
    """Could the link be a document, though nothing in it names a format (rule 3)? A document path, or
    text that names spending or a period shorter than a calendar year. Another kind of file's extension
    (.docx) says it is not; so does a web page's, unless the path is a document handler's
    (`download.aspx?id=5`)."""
    suffix = _last_suffix(link.url)
    if suffix in _OTHER_FILE_SUFFIXES:
        return False
    if is_document_path(link.url):
        return True
    if suffix in _PAGE_SUFFIXES:
        return False
    text = " ".join(t for t in (link.text, link.title) if t)
    if _SPEND_WORDS.search(text):
        return True
    # A month, quarter or financial year reads like a spend file; a calendar year alone is as likely
    # the date of anything else (`Local Government Transparency Code 2015`).
    period = infer_period(text, context or None)
    return period is not None and period.basis != "calendar-year"


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


def period_of(link: Link, context: tuple[str, ...], file_name: str | None = None) -> Period | None:
    """The period a file link covers: from its text, else its file name (the URL's, or `file_name`,
    the one the server gave), else its title; a month beats a range."""
    texts = (link.text, file_name_of(link.url), file_name, link.title)
    found = [infer_period(text, context or None) for text in texts if text]
    months = [p for p in found if p is not None and p.is_month]
    if months:
        return months[0]
    return next((p for p in found if p is not None), None)


def prefer_tables(files: list[FileLink]) -> list[FileLink]:
    """The files, with each PDF whose period is also linked as a table (CSV, XLSX, XLS, ODS) marked as
    that table's alternative (`FileLink.alternative_of`): the table is what gets fetched, so the same
    month's payments are not stored twice, and it is the form the parser reads best."""
    tables: dict[Period, FileLink] = {}
    for f in files:
        if f.period is not None and f.format in TABLE_FORMATS:
            tables.setdefault(f.period, f)
    return [replace(f, alternative_of=tables[f.period].url) if f.format == "pdf" and f.period in tables else f
            for f in files]


@dataclass(frozen=True)
class SeenLink:
    """A link found on a page, and what discovery made of it: `verdict` is FILE (`file` says which),
    YEAR_PAGE, NEXT_PAGE or SKIPPED; `reason` says why it was skipped, or how a file was recognised
    when the server had to be asked."""

    url: str
    text: str
    page: str
    verdict: str
    reason: str = ""
    file: FileLink | None = None


@dataclass
class Discovery:
    """What `discover` found from one landing page: the file links (each once), the pages read, every
    link seen with its verdict, how many links the server was asked about, and what went wrong."""

    landing_page: str
    files: list[FileLink] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    links: list[SeenLink] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed_pages: list[tuple[str, str]] = field(default_factory=list)  # (url, reason), each also a problem
    checks: int = 0
    page_limit_reached: bool = False

    @property
    def skipped(self) -> list[SeenLink]:
        return [s for s in self.links if s.verdict == SKIPPED]


PageGetter = Callable[[str], "tuple[str, str]"]
LinkChecker = Callable[[str], Probe]


def discover(
    landing_url: str,
    get_page: PageGetter,
    *,
    check_link: LinkChecker | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_checks: int = DEFAULT_MAX_CHECKS,
) -> Discovery:
    """Walk from `landing_url` through year sub-pages and pagination; collect the file links.

    `get_page(url) -> (final url, html text)` fetches a page; `check_link(url) -> Probe` asks the server
    what a link is (`spend.sources.probe.probe_link`; without it, such links are skipped as not checked).
    A `SpendError` from either is recorded as a problem and discovery carries on.
    """
    return _Walk(landing_url, get_page, check_link, max_pages, max_checks).run()


@dataclass
class _Queued:
    url: str
    context: tuple[str, ...]
    seen_at: int | None  # the index in `Discovery.links` of the link that queued it (None: the landing page)


class _Walk:
    """One run of `discover`: the queue of pages, and what has been seen."""

    def __init__(self, landing_url: str, get_page: PageGetter, check_link: LinkChecker | None,
                 max_pages: int, max_checks: int):
        self.landing = urldefrag(landing_url)[0]
        self.get_page, self.check_link = get_page, check_link
        self.max_pages, self.max_checks = max_pages, max_checks
        self.found = Discovery(landing_url)
        self.read: set[str] = set()
        self.queue: deque[_Queued] = deque([_Queued(self.landing, (), None)])
        self.files: set[str] = set()
        self.probes: dict[str, Probe] = {}
        self.unchecked = 0

    def run(self) -> Discovery:
        found = self.found
        while self.queue:
            item = self.queue.popleft()
            if item.url in self.read:
                continue
            if len(found.pages) >= self.max_pages:
                self._stop([item, *self.queue])
                break
            self.read.add(item.url)
            try:
                final_url, html = self.get_page(item.url)
            except SpendError as e:
                found.failed_pages.append((item.url, e.reason))
                found.problems.append(str(e))
                continue
            final_url = urldefrag(final_url)[0]
            self.read.add(final_url)
            found.pages.append(final_url)
            for link in extract_links(html, final_url):
                found.links.append(self._judge(link, final_url, item.context))
        if self.unchecked:
            found.problems.append(f"{self.landing}: stopped asking servers what links are after {self.max_checks} "
                                  f"checks; {self.unchecked} links not checked")
        paired = {f.url: f for f in prefer_tables(found.files)}
        found.files = list(paired.values())
        found.links = [replace(s, file=paired[s.url]) if s.file else s for s in found.links]
        if found.pages and not found.files:
            found.problems.append(f"{self.landing}: no spend files found: {len(found.links)} links on "
                                  f"{len(found.pages)} page{'s' if len(found.pages) != 1 else ''}, none of them a "
                                  "spend file with a period or spend words")
        return found

    def _stop(self, unread: list[_Queued]) -> None:
        found = self.found
        unread = [q for q in unread if q.url not in self.read]
        reason = f"not read: the limit of {self.max_pages} pages was reached"
        for q in unread:
            if q.seen_at is not None:
                found.links[q.seen_at] = replace(found.links[q.seen_at], verdict=SKIPPED, reason=reason)
        found.page_limit_reached = True
        found.problems.append(f"{self.landing}: stopped after {self.max_pages} pages; "
                              f"{len({q.url for q in unread})} not read")

    def _queue(self, link: Link, page: str, verdict: str, context: tuple[str, ...], reason: str = "") -> SeenLink:
        self.queue.append(_Queued(link.url, context, len(self.found.links)))
        return SeenLink(link.url, link.text, page, verdict, reason)

    def _judge(self, link: Link, page: str, context: tuple[str, ...]) -> SeenLink:
        """The verdict on one link (rules of the module docstring), queueing pages and collecting files."""
        if link.url in self.files:
            return SeenLink(link.url, link.text, page, SKIPPED, "the same file is linked earlier")
        if is_file_link(link):
            return self._file(link, page, context, link_format(link))
        if is_next_link(link, page):
            return self._queue(link, page, NEXT_PAGE, context)
        document = is_document_path(link.url)
        if is_year_link(link, page) and not document:
            return self._queue(link, page, YEAR_PAGE, context + (link.text,))
        if link.url in self.read or not reads_like_a_file(link, context):
            return SeenLink(link.url, link.text, page, SKIPPED, self._not_a_file(link, page))
        probe = self._check(link.url)
        if isinstance(probe, str):
            return SeenLink(link.url, link.text, page, SKIPPED, probe)
        how = f"checked: {probe.evidence}"
        if probe.format:
            return self._file(link, page, context, probe.format, probe.file_name, how)
        if probe.page and is_year_link(link, page):
            return self._queue(link, page, YEAR_PAGE, context + (link.text,), how)
        what = "an HTML page" if probe.page else "the server did not say it is a spend file"
        return SeenLink(link.url, link.text, page, SKIPPED, f"not a file: {what} ({probe.evidence})")

    def _not_a_file(self, link: Link, page: str) -> str:
        if link.url in self.read:
            return "a page already read"
        suffix = _last_suffix(link.url)
        if suffix in _OTHER_FILE_SUFFIXES:
            return f"not a spend file ({suffix})"
        if not _same_host(link.url, page):
            return "a page on another host"
        return "not a file, a year page or a next page"

    def _check(self, url: str) -> Probe | str:
        """What the server says `url` is, asked once; a reason string when it was not asked or did not answer."""
        if url in self.probes:
            return self.probes[url]
        if self.check_link is None:
            return "might be a file; not checked (no link checker)"
        if self.found.checks >= self.max_checks:
            self.unchecked += 1
            return f"not checked: the limit of {self.max_checks} link checks was reached"
        self.found.checks += 1
        try:
            self.probes[url] = self.check_link(url)
        except SpendError as e:
            self.found.problems.append(f"{url}: could not tell whether it is a spend file: {e.reason}")
            return f"could not be checked: {e.reason}"
        return self.probes[url]

    def _file(self, link: Link, page: str, context: tuple[str, ...], fmt: str | None,
              server_name: str | None = None, how: str = "") -> SeenLink:
        period = period_of(link, context, server_name)
        named = (link.text, file_name_of(link.url), server_name or "")
        if period is None and not any(_SPEND_WORDS.search(t) for t in named):
            return SeenLink(link.url, link.text, page, SKIPPED, "no period and no spend words" + (f"; {how}" if how else ""))
        self.files.add(link.url)
        file = FileLink(link.url, link.text, period, self.found.landing_page, page, fmt)
        self.found.files.append(file)
        return SeenLink(link.url, link.text, page, FILE, how, file)
