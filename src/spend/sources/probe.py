"""Ask a publisher's server what a link is, when the link itself does not say.

Content-management systems link their documents without a file extension: Liferay (Dorset Council)
as `/documents/d/guest/<slug>`, others as `/download/123` or `.../attachment`. When such a link's text
and attributes do not name a format either, `probe_link` asks the server, politely (through the
publisher's `PoliteSession`, paced and counted like every other request):

1. a HEAD request; its Content-Disposition file name (`Spend April 2020.csv`) or its Content-Type
   (`text/csv`, `application/pdf`, `text/html`) decides;
2. when HEAD is refused (405, 501...) or says nothing useful (no file name, `application/octet-stream`),
   a GET of the first `PEEK_BYTES` bytes, the connection closed early; its headers, else the first
   bytes (`%PDF`, a zip's `PK`, the OLE header of an .xls, delimited text, an HTML page), decide.

The answer is a `Probe`: a spend file of some format, an HTML page, or neither (`format` None,
`page` False: nothing said what it is). Both requests are bounded like a page (the session's limits,
`spend.sources.limits.PAGE`): a server that drips its answer fails the check with `DeadlineExceeded`.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from typing import Mapping

import requests

from spend.parse.sniff import format_of_start
from spend.sources.download import FILE_SUFFIXES, SessionPool, disposition_filename
from spend.sources.errors import DownloadError
from spend.sources.http import FetchError

# Content types that name a spend file's format (IANA registrations, and the older names servers still
# send: `application/vnd.ms-excel` is also what Windows servers send for .csv, still a table).
FORMAT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/comma-separated-values": "csv",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
}
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML = "html"


@dataclass(frozen=True)
class Probe:
    """What the server said a link is: a spend file (`format`), a web page (`page`), or neither.
    `evidence` says which answer decided (`Content-Type text/csv (HEAD)`), `file_name` is the name
    in Content-Disposition, `requests` how many requests it took."""

    url: str
    format: str | None
    page: bool
    evidence: str
    file_name: str | None = None
    requests: int = 1


def judge_headers(headers: Mapping[str, str]) -> tuple[str | None, str, str | None]:
    """(format or 'html' or None, evidence, Content-Disposition file name) from an answer's headers."""
    file_name = disposition_filename(headers.get("Content-Disposition"))
    if file_name:
        suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
        if suffix in FILE_SUFFIXES:
            return suffix[1:], f"Content-Disposition filename {file_name!r}", file_name
    message = Message()
    message["Content-Type"] = headers.get("Content-Type") or ""
    content_type = message.get_content_type() if headers.get("Content-Type") else ""
    if content_type in FORMAT_TYPES:
        return FORMAT_TYPES[content_type], f"Content-Type {content_type}", file_name
    if content_type in PAGE_TYPES:
        return HTML, f"Content-Type {content_type}", file_name
    return None, f"Content-Type {content_type or '(none)'}", file_name


def probe_link(pool: SessionPool, url: str) -> Probe:
    """Ask the server what `url` is (see the module docstring). Raises `FetchError` when neither
    HEAD nor the GET of the first bytes is answered, `DownloadError` for a URL requests cannot send."""
    try:
        return _probe(pool, url)
    except requests.RequestException as e:  # a malformed URL; transport failures arrive as FetchError
        raise DownloadError(url, f"{type(e).__name__}: {e}") from None


def _probe(pool: SessionPool, url: str) -> Probe:
    session = pool.for_url(url)
    head_said = "HEAD said nothing useful"
    try:
        answer = session.head(url)
    except FetchError as e:
        head_said = f"HEAD refused (HTTP {e.status})" if e.status else f"HEAD failed ({e.reason})"
    else:
        kind, evidence, name = judge_headers(answer.headers)
        if kind is not None:
            return Probe(url, None if kind == HTML else kind, kind == HTML, f"{evidence} (HEAD)", name)
        head_said = f"HEAD said {evidence}"
    response, head = session.peek(url)
    kind, evidence, name = judge_headers(response.headers)
    if kind is None:
        kind = format_of_start(head)
        evidence = f"first bytes {head[:8]!r}"
    return Probe(url, None if kind in (HTML, None) else kind, kind == HTML, f"{evidence} (GET; {head_said})", name, 2)
