"""Download publishers' files into the raw store, once, with where and when they came from.

Layout (the store, `spend build`, reads it):

    <raw>/spend/<publisher slug>/<period or 'undated'>/<file name>             the bytes as published
    <raw>/spend/<publisher slug>/<period or 'undated'>/<file name>.meta.json   its provenance record

A period folder is `2020-04` for a month or `2014-01_2014-03` for a range (`Period.dirname`).

What `download_file` guarantees:

- Requests go through `PoliteSession` (one request at a time per host, pacing, retries with backoff,
  a project User-Agent) with a `Service` policy per publisher host (`publisher_service`).
- Conditional GET: the previous record's ETag and Last-Modified are sent as If-None-Match and
  If-Modified-Since; a 304 writes nothing. A 200 whose bytes hash like the stored file writes nothing.
- The body streams to a temporary file under `<raw>/.partial/` (outside the publisher folders), within a
  size limit and an overall deadline (`spend.sources.limits.FILE`: 200 MiB, ten minutes), and is checked
  against Content-Length; only a complete body is renamed into place, so an interrupted, reset, truncated,
  oversized or too slow download leaves no file behind.
- The bytes are sniffed (`spend.sniff.detect_format`): an HTML page (or JSON, or nothing) served where a
  file was linked is refused with `NotADataFile` and not stored. OpenDocument spreadsheets (.ods) are
  stored with format "ods" (the parser cannot read them yet, but they are the publisher's data).
- File names come from Content-Disposition, the URL or the link text, and are made safe: no path
  separators, no `..`, no control characters, no hidden or reserved names, at most 120 bytes; the
  final path is checked to be inside the publisher's folder.
- When a URL's content changes, the earlier version (file and record) moves to
  `<raw>/spend-superseded/<slug>/<period>/<sha256 prefix>-<name>`, so raw bytes are never overwritten
  in place and `spend/` holds one current version of each file. Other bytes found where a file is to go
  without a record (put there by hand) are moved there too.

Why a subclass of `PoliteSession`: it reads every body into memory before judging it (right for API
pages, wrong for files with a size limit), so `_StreamingSession` streams bodies to disk when a spool
is active and accepts 304 answers; everything else (pacing, retries, waits) is the parent's.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import threading
import time
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

import requests
from urllib3.exceptions import ProtocolError

from spend.parse import sniff
from spend.core.errors import CorruptFile, EmptyFile, NotASpendFile
from spend.core.files import PROVENANCE_SUFFIX, ProvenanceError, provenance_path, read_provenance, write_atomic
from spend.sources import limits as default_limits
from spend.sources.http import FetchError, PoliteSession
from spend.sources.limits import Limits, iter_bounded, read_body
from spend.sources.services import Service

from spend.sources.errors import DownloadError, FileTooLarge, NotADataFile, TruncatedDownload
from spend.core.periods import Period

SPEND_DIR = "spend"
SUPERSEDED_DIR = "spend-superseded"
PARTIAL_DIR = ".partial"
UNDATED = "undated"

MAX_NAME_BYTES = 120
FILE_SUFFIXES = (".csv", ".xls", ".xlsx", ".ods", ".pdf")
ODS, ODS_MIMETYPE = "ods", b"application/vnd.oasis.opendocument.spreadsheet"
# Windows device names: harmless on Linux, but the raw store should copy anywhere.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}

_TRANSPORT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    ProtocolError,
    ConnectionError,
)


def publisher_service(url: str) -> Service:
    """The request policy for a publisher's web site. Publishers (NHS bodies, councils, GOV.UK)
    publish no rate limits for their pages; these are conservative choices for small sites."""
    parts = urlsplit(url)
    return Service(
        name=parts.netloc or "publisher",
        base_url=f"{parts.scheme}://{parts.netloc}",
        # 429 (too many requests) and the 5xx family are worth another try; 403/404 are not.
        retry_statuses=frozenset({429, 500, 502, 503, 504}),
        pauses={429: 60.0},
        retry_methods=frozenset({"GET", "HEAD"}),
        max_attempts=4,
        backoff_factor=2.0,
        backoff_max=60.0,
        # One request every two seconds to a host: a monthly file listing is a few dozen requests.
        min_interval=2.0,
        timeout=(15.0, 120.0),
    )


# --- names ----------------------------------------------------------------------------------------


def safe_file_name(candidate: str | None, fallback: str = "file", max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name that is safe to create inside one folder, from text a web site chose.

    Percent-escapes are decoded first (so `%2F` cannot smuggle a separator), only the last path
    segment is kept, control and formatting characters are dropped, characters outside letters,
    digits and ` ._-()&+,'£[]` become `_`, leading/trailing dots and spaces go (no hidden files, no
    `..`), reserved device names get a `_` prefix, and the name is shortened to `max_bytes` of UTF-8
    keeping its extension.
    """
    name = unicodedata.normalize("NFC", unquote(candidate or ""))
    name = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(c)[0] == "Z" else c for c in name if unicodedata.category(c)[0] != "C")
    name = "".join(c if (c.isalnum() or c in " ._-()&+,'£[]") else "_" for c in name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name or not any(c.isalnum() for c in name):
        name = fallback
    stem, ext = _split_ext(name)
    if stem.upper() in _RESERVED or not stem:
        stem = f"_{stem}"
    if (stem + ext).lower().endswith(PROVENANCE_SUFFIX):
        ext += "_"  # would be taken for another file's provenance record
    budget = max_bytes - len(ext.encode("utf-8"))
    while len(stem.encode("utf-8")) > budget:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "_") + ext


def _split_ext(name: str) -> tuple[str, str]:
    match = re.search(r"(\.[A-Za-z0-9]{1,8})$", name)
    if not match or match.start() == 0:
        return name, ""
    return name[: match.start()], match.group(1)


def disposition_filename(header: str | None) -> str | None:
    """The file name in a Content-Disposition header (`filename*=UTF-8''...` or `filename=...`)."""
    if not header:
        return None
    message = Message()
    message["Content-Disposition"] = header
    try:
        return message.get_filename()
    except (ValueError, LookupError):
        return None


# Link text that names only a format, a size or an action, as tables of "CSV | PDF" links have it.
_FORMAT_ONLY = re.compile(r"(?:\s|[,()|/:-]|download|view|open|file|csv|xlsx?|ods|pdf|excel|\d+(?:\.\d+)?\s*[kmg]?b)*", re.I)


def file_name_in_url(url: str) -> str | None:
    """The last segment of the URL's path with a spend file's extension: `April 2020.csv` in
    `/files/April%202020.csv` and in a CMS document URL `/documents/123/April+2020.csv/5f2c...?version=1.0`
    (Liferay, which Dorset Council's site runs on, puts the file name before a version id). None when
    no segment has one."""
    segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
    return next((s for s in reversed(segments) if _split_ext(s)[1].lower() in FILE_SUFFIXES), None)


def name_for(url: str, link_text: str | None, content_disposition: str | None, fmt: str | None) -> str:
    """The stored file's name: the publisher's name for it where it gives one, made safe, with an
    extension added (from the sniffed format) only when it has no known one."""
    url_name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    named_file = file_name_in_url(url)
    if link_text and _FORMAT_ONLY.fullmatch(link_text):
        link_text = None  # "CSV", "PDF (300KB)", "Download": the URL's last segment says more
    candidates = [disposition_filename(content_disposition), named_file, link_text, url_name]
    chosen = next((c for c in candidates if c and any(ch.isalnum() for ch in c)), None)
    name = safe_file_name(chosen, fallback="file")
    if fmt and _split_ext(name)[1].lower() not in FILE_SUFFIXES:
        stem = _split_ext(name)[0] if _split_ext(name)[1].lower() in (".aspx", ".php", ".ashx", ".htm", ".html") else name
        name = safe_file_name(f"{stem}.{fmt}")
    return name


def publisher_dir(raw_root: Path, slug: str) -> Path:
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise DownloadError(slug, "a publisher slug must be lower-case words joined by hyphens")
    return Path(raw_root) / SPEND_DIR / slug


def period_dir(raw_root: Path, slug: str, period: Period | None) -> Path:
    return publisher_dir(raw_root, slug) / (period.dirname if period else UNDATED)


def inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


# --- provenance -----------------------------------------------------------------------------------


@dataclass
class Stored:
    """A file in the raw store and its provenance record."""

    path: Path
    record: dict[str, Any]


class RawIndex:
    """The files already stored for one publisher, by source URL (read from the sidecar records)."""

    def __init__(self, raw_root: Path, slug: str):
        self.base = publisher_dir(raw_root, slug)
        self.by_url: dict[str, Stored] = {}
        if self.base.is_dir():
            for meta in sorted(self.base.rglob("*" + PROVENANCE_SUFFIX)):
                try:
                    record = json.loads(meta.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue  # an unreadable record: the file will be fetched again
                data = meta.with_name(meta.name[: -len(PROVENANCE_SUFFIX)])
                if isinstance(record, dict) and record.get("url") and data.is_file():
                    self.by_url[record["url"]] = Stored(data, record)

    def get(self, url: str) -> Stored | None:
        return self.by_url.get(url)

    def owner_of(self, path: Path) -> str | None:
        for url, stored in self.by_url.items():
            if stored.path == path:
                return url
        return None

    def put(self, url: str, stored: Stored) -> None:
        self.by_url[url] = stored


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_record(path: Path, record: dict[str, Any]) -> None:
    write_atomic(provenance_path(path), (json.dumps(record, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


def read_record(path: Path) -> dict[str, Any] | None:
    """The provenance record beside `path`, or None when it has none; `DownloadError` when it is unreadable
    (the file it describes is then left alone rather than overwritten without a record of what it was)."""
    try:
        return read_provenance(path)
    except ProvenanceError as e:
        raise DownloadError(e.source, e.reason) from None


def sniff_format(data: bytes, source: str) -> str:
    """'csv', 'xls', 'xlsx', 'pdf' or 'ods'; `NotADataFile` for HTML pages, JSON, empty bodies,
    damaged containers and other bytes that are not a spend file."""
    if data.startswith(b"PK\x03\x04"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            if "mimetype" in archive.namelist() and archive.read("mimetype").strip() == ODS_MIMETYPE:
                return ODS
        except zipfile.BadZipFile:
            pass  # detect_format names the damage
    try:
        return sniff.detect_format(data, source)
    except (NotASpendFile, EmptyFile, CorruptFile) as e:
        raise NotADataFile(source, f"{e.reason}; not stored") from None


def supersede(raw_root: Path, slug: str, stored: Stored) -> Path:
    """Move an earlier version of a file (and its record) out of `spend/` into `spend-superseded/`."""
    rel = stored.path.relative_to(publisher_dir(raw_root, slug))
    sha = str(stored.record.get("sha256") or "unknown")[:12]
    target = Path(raw_root) / SUPERSEDED_DIR / slug / rel.parent / f"{sha}-{rel.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(stored.path, target)
    meta = provenance_path(stored.path)
    if meta.exists():
        os.replace(meta, provenance_path(target))
    return target


def _set_aside_unrecorded(raw_root: Path, slug: str, target: Path, new_sha256: str) -> None:
    """A file already at `target` without a provenance record (put there by hand) is moved to
    `spend-superseded/` before other bytes take its place: raw bytes are never overwritten in place."""
    if not target.is_file() or read_record(target) is not None:
        return
    old_sha256 = hashlib.sha256(target.read_bytes()).hexdigest()
    if old_sha256 != new_sha256:
        supersede(raw_root, slug, Stored(target, {"sha256": old_sha256}))


# --- streaming ------------------------------------------------------------------------------------


@dataclass
class Part:
    """A complete body on disk, waiting to be renamed into place."""

    path: Path
    sha256: str
    size: int


@dataclass
class _Spool:
    """Where streamed bodies go, and what came of the last try."""

    folder: Path
    max_bytes: int
    source: str
    parts: list[Path] = field(default_factory=list)
    result: Part | None = None
    last_problem: str | None = None

    def receive(self, response: requests.Response) -> Part:
        declared = response.headers.get("Content-Length")
        expected = int(declared) if declared and declared.isdigit() else None
        if expected is not None and expected > self.max_bytes:
            raise FileTooLarge(self.source, f"Content-Length {expected:,} bytes is over the {self.max_bytes:,}-byte limit; not stored")
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"part-{os.getpid()}-{threading.get_ident()}-{len(self.parts)}-{time.monotonic_ns()}.tmp"
        self.parts.append(path)
        digest, size = hashlib.sha256(), 0

        def too_large() -> FileTooLarge:
            return FileTooLarge(self.source, f"body is over the {self.max_bytes:,}-byte limit; not stored")

        with open(path, "wb") as fh:
            for chunk in iter_bounded(response, self.max_bytes, too_large):
                size += len(chunk)
                digest.update(chunk)
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        # Bytes on the wire (before any Content-Encoding is undone) against what was announced.
        raw_read = response.raw.tell() if hasattr(response.raw, "tell") else size
        if expected is not None and raw_read != expected:
            raise _ShortBody(f"{raw_read:,} of {expected:,} bytes arrived")
        part = Part(path, digest.hexdigest(), size)
        self.result = part
        return part

    def discard(self, keep: Path | None = None) -> None:
        for path in self.parts:
            if path != keep:
                path.unlink(missing_ok=True)


class _ShortBody(Exception):
    pass


# Enough of a body to tell a PDF, a workbook, a CSV and a web page apart (`sniff.format_of_start`).
PEEK_BYTES = 2048


@dataclass
class _Peek:
    """The first `limit` bytes of a 2xx body; the rest is never read (the connection is closed)."""

    limit: int
    data: bytes = b""
    parts: list[Path] = field(default_factory=list)  # what `_StreamingSession` cleans up: nothing here
    last_problem: str | None = None

    def receive(self, response: requests.Response) -> None:
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=self.limit):  # at most `limit` bytes, decoded
            chunks.append(chunk)
            size += len(chunk)
            if size >= self.limit:
                break
        self.data = b"".join(chunks)[: self.limit]

    def discard(self, keep: Path | None = None) -> None:
        pass


class _StreamingSession(PoliteSession):
    """A `PoliteSession` that streams 2xx bodies into the active spool (or reads only their first
    bytes, `peek`), and takes 304 as an answer. Its default limits are those of a page
    (`spend.sources.limits.PAGE`, for landing pages and link checks); a download names the file's."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    @contextmanager
    def spooling(self, spool: _Spool | _Peek) -> Iterator[_Spool | _Peek]:
        self._local.spool = spool
        try:
            yield spool
        finally:
            self._local.spool = None

    def head(self, url: str) -> requests.Response:
        """A HEAD request (redirects followed), politely; `FetchError` when refused."""
        return self.request("HEAD", url)

    def peek(self, url: str, limit: int = PEEK_BYTES) -> tuple[requests.Response, bytes]:
        """GET the first `limit` bytes of `url` and close the connection: a Range header asks for
        only those, and a server that ignores it is not read further. `FetchError` when refused."""
        peek = _Peek(limit)
        with self.spooling(peek):
            response = self.get(url, headers={"Range": f"bytes=0-{limit - 1}"})
        return response, peek.data

    def _send(self, prepared, gate, options):  # type: ignore[override]
        spool: _Spool | _Peek | None = getattr(self._local, "spool", None)
        if spool is None:
            return super()._send(prepared, gate, options)
        try:
            response = self._session.send(prepared, timeout=self.service.timeout, stream=True)
        except _TRANSPORT_ERRORS as exc:
            self._count_network(gate)
            spool.last_problem = f"{type(exc).__name__}: {exc}"
            return None, spool.last_problem
        self._count_network(gate)
        try:
            if 200 <= response.status_code < 300:
                spool.receive(response)
            else:  # read (within a page's limit) so the parent can quote it
                response._content = read_body(response, prepared.url or "", self.limits.max_bytes)
        except (_ShortBody, *_TRANSPORT_ERRORS) as exc:
            response.close()
            if spool.parts:
                spool.parts[-1].unlink(missing_ok=True)
            spool.last_problem = f"body cut short ({exc})"
            return None, spool.last_problem
        except BaseException:
            response.close()
            spool.discard()
            raise
        response.close()
        spool.last_problem = None
        return response, None

    def _judge(self, response, method, url, validate):  # type: ignore[override]
        if response.status_code == 304:
            return None
        return super()._judge(response, method, url, validate)


class SessionPool:
    """One streaming `PoliteSession` per publisher host, made on first use and closed together.
    `page_limits` bound the pages read and the links checked through them (default
    `spend.sources.limits.PAGE`, as it is when a host's session is made)."""

    def __init__(self, *, wait_scale: float | None = None, sleep=time.sleep, clock=time.monotonic,
                 page_limits: Limits | None = None):
        self._sessions: dict[str, _StreamingSession] = {}
        self._wait_scale, self._sleep, self._clock = wait_scale, sleep, clock
        self._page_limits = page_limits

    def for_url(self, url: str) -> _StreamingSession:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        if key not in self._sessions:
            self._sessions[key] = _StreamingSession(
                publisher_service(url), cache_path=None, wait_scale=self._wait_scale, sleep=self._sleep, clock=self._clock,
                limits=self._page_limits or default_limits.PAGE,
            )
        return self._sessions[key]

    @property
    def network_requests(self) -> int:
        return sum(s.network_requests for s in self._sessions.values())

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()

    def __enter__(self) -> SessionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- one file -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileLink:
    """A link to a spend file, as discovered on a publisher's page.

    `format` is what the link (its extension, text or type) or the server (asked by `spend.sources.probe`)
    says the file is: csv, xlsx, xls, ods or pdf, None when neither says; the stored file's format is
    sniffed from its bytes. `alternative_of` is set on a PDF whose month is also linked as a table
    (CSV, XLSX...): the URL of that table, which is fetched instead (`spend.sources.discover.prefer_tables`).
    """

    url: str
    text: str = ""
    period: Period | None = None
    landing_page: str | None = None
    source_page: str | None = None
    format: str | None = None
    alternative_of: str | None = None


@dataclass
class Outcome:
    """What happened to one file: fetched (written), not-modified (304), unchanged (same sha256),
    failed (with the reason), would-fetch (dry run), skipped (outside the asked period), alternative
    (a PDF of a month also published as a table, which is fetched instead; the reason names it)."""

    url: str
    status: str
    period: Period | None = None
    path: Path | None = None
    reason: str | None = None
    http_status: int | None = None
    size: int | None = None


def clean_partials(raw_root: Path, older_than: float = 3600.0) -> int:
    """Remove bodies left in `<raw>/.partial/` by a killed process (not those of a running one)."""
    folder = Path(raw_root) / PARTIAL_DIR
    removed = 0
    if folder.is_dir():
        for path in folder.glob("part-*.tmp"):
            try:
                if time.time() - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
    return removed


def download_file(
    session: _StreamingSession,
    link: FileLink,
    slug: str,
    raw_root: Path,
    index: RawIndex,
    *,
    limits: Limits | None = None,
) -> Outcome:
    """Fetch one linked file into the raw store (see the module docstring), within `limits` (default
    `spend.sources.limits.FILE`). Never raises for a problem with the file itself: that is an
    `Outcome` with status 'failed' and the reason."""
    limits = limits or default_limits.FILE
    raw_root = Path(raw_root)
    previous = index.get(link.url)
    headers: dict[str, str] = {}
    if previous is not None:
        if previous.record.get("etag"):
            headers["If-None-Match"] = previous.record["etag"]
        if previous.record.get("last_modified"):
            headers["If-Modified-Since"] = previous.record["last_modified"]
    spool = _Spool(raw_root / PARTIAL_DIR, limits.max_bytes, link.url)
    try:
        try:
            with session.spooling(spool):
                response = session.get(link.url, headers=headers, limits=limits)
        except requests.RequestException as e:  # a malformed URL; transport failures arrive as FetchError
            return Outcome(link.url, "failed", link.period, reason=f"{link.url}: {type(e).__name__}: {e}")
        except FetchError as e:
            if spool.last_problem and spool.last_problem.startswith("body cut short"):
                raise TruncatedDownload(link.url, f"{spool.last_problem}; gave up, nothing stored") from None
            return Outcome(link.url, "failed", link.period, reason=str(e), http_status=e.status)
        if response.status_code == 304:
            return Outcome(link.url, "not-modified", link.period, previous.path if previous else None, http_status=304)
        part = spool.result
        if part is None:  # a 2xx without a body we streamed (204): nothing to store
            raise NotADataFile(link.url, f"HTTP {response.status_code} with no body; not stored")
        fmt = sniff_format(part.path.read_bytes(), link.url)
        if previous is not None and previous.record.get("sha256") == part.sha256:
            return Outcome(link.url, "unchanged", link.period, previous.path, http_status=response.status_code, size=part.size)
        target = _target_path(raw_root, slug, link, response, fmt, index)
        if previous is not None:
            supersede(raw_root, slug, previous)
        else:
            _set_aside_unrecorded(raw_root, slug, target, part.sha256)
        record = {
            "url": link.url,
            "final_url": response.url if response.url != link.url else None,
            "landing_page": link.landing_page,
            "source_page": link.source_page,
            "link_text": link.text or None,
            "publisher": slug,
            "period": link.period.label if link.period else None,
            "fetched_at": now_utc(),
            "http_status": response.status_code,
            "content_type": response.headers.get("Content-Type"),
            "size": part.size,
            "sha256": part.sha256,
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
            "format": fmt,
            "file_name": target.name,
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part.path, target)
        write_record(target, record)
        index.put(link.url, Stored(target, record))
        return Outcome(link.url, "fetched", link.period, target, http_status=response.status_code, size=part.size)
    except DownloadError as e:
        return Outcome(link.url, "failed", link.period, reason=str(e))
    finally:
        spool.discard()


def _target_path(raw_root: Path, slug: str, link: FileLink, response: requests.Response, fmt: str, index: RawIndex) -> Path:
    folder = period_dir(raw_root, slug, link.period)
    name = name_for(link.url, link.text, response.headers.get("Content-Disposition"), fmt)
    target = folder / name
    owner = index.owner_of(target) if target.exists() else None
    if target.exists() and owner not in (None, link.url) and index.get(link.url) is None:
        # Two URLs, one name ("download.csv"): tell them apart by a hash of the URL.
        stem, ext = _split_ext(name)
        tag = hashlib.sha256(link.url.encode("utf-8")).hexdigest()[:8]
        target = folder / safe_file_name(f"{stem}-{tag}{ext}")
    if not inside(target, publisher_dir(raw_root, slug)) or target.parent.resolve() != folder.resolve():
        raise DownloadError(link.url, f"refusing to write outside {folder}")
    return target


# --- a local file, for the shared corpus ----------------------------------------------------------


def import_file(source: Path, slug: str, period: Period | None, raw_root: Path, index: RawIndex) -> Outcome:
    """Copy a local file into the raw store with a provenance record (url `file://...`), unless a
    file with the same sha256 is already stored for it."""
    source = Path(source).resolve()
    url = source.as_uri()
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    previous = index.get(url)
    if previous is not None and previous.record.get("sha256") == sha and previous.path.is_file():
        return Outcome(url, "unchanged", period, previous.path, size=len(data))
    folder = period_dir(raw_root, slug, period)
    target = folder / safe_file_name(source.name)
    existing = read_record(target) if target.is_file() else None
    if previous is None and existing is not None and existing.get("sha256") == sha:
        return Outcome(url, "unchanged", period, target, size=len(data))  # same bytes, from another copy
    try:
        fmt = sniff_format(data, str(source))
    except DownloadError as e:
        return Outcome(url, "failed", period, reason=str(e))
    if not inside(target, publisher_dir(raw_root, slug)):
        return Outcome(url, "failed", period, reason=f"{source}: refusing to write outside {folder}")
    if previous is not None:
        supersede(raw_root, slug, previous)
    elif existing is not None:
        supersede(raw_root, slug, Stored(target, existing))
    else:
        _set_aside_unrecorded(raw_root, slug, target, sha)
    modified = datetime.fromtimestamp(source.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    record = {
        "url": url,
        "final_url": None,
        "landing_page": None,
        "source_page": None,
        "link_text": None,
        "publisher": slug,
        "period": period.label if period else None,
        "fetched_at": now_utc(),
        "http_status": None,
        "content_type": None,
        "size": len(data),
        "sha256": sha,
        "etag": None,
        "last_modified": modified,
        "format": fmt,
        "file_name": target.name,
        "added_from": str(source),
    }
    partial = Path(raw_root) / PARTIAL_DIR
    partial.mkdir(parents=True, exist_ok=True)
    tmp = partial / f"part-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}.tmp"
    try:
        # The bytes already read and hashed, not a second read of the source: the stored file is then
        # exactly what the record's sha256 describes, even if the source changes meanwhile.
        tmp.write_bytes(data)
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    write_record(target, record)
    index.put(url, Stored(target, record))
    return Outcome(url, "fetched", period, target, size=len(data))
