"""Test helpers: a loopback-only guard, the recorded Contracts Finder corpus, a fake clock, and
a real HTTP server on 127.0.0.1 that plays Contracts Finder and Find a Tender with faults.

The server answers under the services' real paths:

    GET  /Published/Notices/OCDS/Search?publishedFrom&publishedTo&stages&limit&cursor   (cf-search)
    GET  /api/1.0/ocdsReleasePackages?updatedFrom&updatedTo&stages&limit&cursor        (fts-search)
    POST /api/rest/2/search_notices/json                                               (cf-notice-search)
    GET  /Published/Notice/releases/<notice id>.json                                   (cf-notice)
    GET  /Published/OCDS/Release/<release id>                                          (cf-release)
    GET  /Published/OCDS/Record/<ocid>                                                 (cf-record)

Single notices, releases and records are the recorded files, byte for byte. Search pages are
release packages assembled from the recorded releases whose date falls in the asked window
(both ends included, like the services), `limit` per page, with a base64 cursor in `links.next`.

`server.fail(route, *faults)` queues faults for the next requests to a route, one per request:
"403", "429", "500", "503", "429+retry-after:7" (a status, optionally with Retry-After),
"reset" (TCP reset, no answer), "truncate" (half the body, full Content-Length),
"truncate-nolength" (half the body, then close), "slow" (answer after `slow_seconds`),
"drip" (the whole answer, status line and headers included, one byte every `drip_seconds`: no
single read ever waits long enough to time out), "html200" (an HTML page with status 200),
"ok" (answer normally).

`server.rewrite(route, edit)` passes every answer body of a route through `edit` (bytes -> bytes),
to serve what the real services send and `json.dumps` would never write (`"amount": 000`).
`server.publish(releases)` adds releases, as the service publishing more into a window.
"""

from __future__ import annotations

import base64
import hashlib
import html
import ipaddress
import json
import re
import socket
import socketserver
import struct
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Self
from urllib.parse import parse_qs, urlencode, urlsplit, unquote

import pytest

from spend.core import config

# --- nothing leaves 127.0.0.1 -----------------------------------------------------------------


class NetworkBlocked(OSError):
    """A test tried to reach a host that is not the loopback interface."""


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True  # passive lookups (binding a server)
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


# Every function that can turn a name into an address (and so send a DNS query).
_LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr")


def install_loopback_guard() -> Callable[[], None]:
    """Make name lookups and connections to anything but loopback raise `NetworkBlocked`
    before a packet is sent. Returns a function that removes the guard."""
    real_lookups = {name: getattr(socket, name) for name in _LOOKUPS}
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(name: str) -> Callable:
        real = real_lookups[name]

        def lookup(host, *args, **kwargs):
            if not _is_loopback(host):
                raise NetworkBlocked(f"test tried to look up {host!r}; only 127.0.0.1 is allowed")
            return real(host, *args, **kwargs)

        return lookup

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise NetworkBlocked(f"test tried to connect to {address!r}; only 127.0.0.1 is allowed")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    for name in _LOOKUPS:
        setattr(socket, name, guarded(name))
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex

    def remove() -> None:
        for name, real in real_lookups.items():
            setattr(socket, name, real)
        socket.socket.connect = real_connect
        socket.socket.connect_ex = real_connect_ex

    return remove


@pytest.fixture(autouse=True)
def loopback_only():
    """Autouse in every module that imports it: the test may only talk to 127.0.0.1."""
    remove = install_loopback_guard()
    yield
    remove()


# --- the recorded corpus ----------------------------------------------------------------------


def contracts_finder_dir() -> Path:
    """The shared real Contracts Finder files. Missing data is a failure, not a skip."""
    path = config.realdata_dir() / "contracts-finder"
    assert path.is_dir(), f"real data not found at {path} (set SPEND_REALDATA)"
    return path


@dataclass
class Recorded:
    """One recorded release package holding one release."""

    path: Path
    body: bytes
    release: dict[str, Any]
    notice_id: str  # the GUID in the package's uri: .../Published/Notice/releases/<guid>.json

    @property
    def ocid(self) -> str:
        return self.release["ocid"]

    @property
    def release_id(self) -> str:
        return self.release["id"]

    @property
    def date(self) -> datetime:
        return parse_time(self.release["date"])


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def load_recorded(*folders: str) -> list[Recorded]:
    """The one-release packages in the named corpus folders (e.g. 'ocds-1.1-award-2019-20')."""
    recorded = []
    for folder in folders:
        for path in sorted((contracts_finder_dir() / folder).glob("*.json")):
            body = path.read_bytes()
            package = json.loads(body)
            (release,) = package["releases"]
            notice_id = package["uri"].rsplit("/", 1)[-1].removesuffix(".json")
            recorded.append(Recorded(path, body, release, notice_id))
    return recorded


def load_records() -> dict[str, bytes]:
    """Recorded records by ocid, byte for byte."""
    records = {}
    for path in sorted((contracts_finder_dir() / "ocds-2018-records" / "records").glob("*.json")):
        body = path.read_bytes()
        records[json.loads(body)["compiledRelease"]["ocid"]] = body
    return records


# --- a fake clock -----------------------------------------------------------------------------


class FakeClock:
    """A monotonic clock that only moves when slept on: waits are recorded, not spent."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


# --- the server -------------------------------------------------------------------------------

RATE_LIMIT_PAGE = (
    b"<html><head><title>Forbidden - Contracts Finder</title></head><body><p><h1><strong>Request "
    b"forbidden</strong></h1></p><p>The request rate limit may have been exceeded.</p></body></html>"
)

FEED_PARAMS = {"cf-search": ("publishedFrom", "publishedTo"), "fts-search": ("updatedFrom", "updatedTo")}

ROUTES = [
    ("GET", re.compile(r"^/Published/Notices/OCDS/Search$"), "cf-search"),
    ("GET", re.compile(r"^/api/1\.0/ocdsReleasePackages$"), "fts-search"),
    ("POST", re.compile(r"^/api/rest/2/search_notices/json$"), "cf-notice-search"),
    ("GET", re.compile(r"^/Published/Notice/releases/(?P<id>[^/]+)\.json$"), "cf-notice"),
    ("GET", re.compile(r"^/Published/OCDS/Release/(?P<id>[^/]+)$"), "cf-release"),
    ("GET", re.compile(r"^/Published/OCDS/Record/(?P<id>[^/]+)$"), "cf-record"),
]


@dataclass
class Hit:
    """One request the server received."""

    route: str
    method: str
    url: str
    query: dict[str, str]
    body: Any
    fault: str
    user_agent: str


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackHTTPServer:
    """A threaded HTTP server on 127.0.0.1:<ephemeral port>, started and stopped by hand or as a context
    manager. Subclasses say which request handler serves them (`handler_class`), bound to themselves."""

    def __init__(self) -> None:
        self._httpd: ThreadingHTTPServer | None = None

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> Self:
        self._httpd = _LoopbackServer(("127.0.0.1", 0), self.handler_class())
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # clients hanging up are expected
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "the server has not been started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"


class FakeServices(LoopbackHTTPServer):
    """Contracts Finder and Find a Tender on 127.0.0.1:<ephemeral port>."""

    def __init__(
        self,
        recorded: list[Recorded],
        records: dict[str, bytes] | None = None,
        *,
        max_hits: int = 1000,
        delay: float = 0.0,
        slow_seconds: float = 1.0,
        drip_seconds: float = 0.2,
    ):
        super().__init__()
        self.recorded = sorted(recorded, key=lambda r: (r.date, r.release_id))
        self.records = records or {}
        self.max_hits = max_hits
        self.delay = delay
        self.slow_seconds = slow_seconds
        self.drip_seconds = drip_seconds
        self.edits: dict[str, Callable[[bytes], bytes]] = {}
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.log: list[Hit] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    # control
    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"app": self})

    def fail(self, route: str, *faults: str) -> None:
        self.faults[route].extend(faults)

    def rewrite(self, route: str, edit: Callable[[bytes], bytes]) -> None:
        self.edits[route] = edit

    def publish(self, releases: list[Recorded]) -> None:
        with self._lock:
            self.recorded = sorted([*self.recorded, *releases], key=lambda r: (r.date, r.release_id))

    def hits(self, route: str | None = None, *, fault: str | None = None) -> list[Hit]:
        return [h for h in self.log if (route is None or h.route == route) and (fault is None or h.fault == fault)]

    def releases_between(self, start: datetime, end: datetime) -> list[Recorded]:
        """Recorded releases dated in [start, end) - what a harvest of that range must store."""
        return [r for r in self.recorded if start <= r.date < end]

    def matching(self, keyword: str, start: datetime, end: datetime, awarded_only: bool = False) -> list[Recorded]:
        """Recorded releases a keyword search of [start, end] finds (both ends included)."""
        word = keyword.lower()
        return [
            r
            for r in self.recorded
            if start <= r.date <= end
            and word in _searchable_text(r.release)
            and (not awarded_only or r.release.get("awards"))
        ]

    # answers
    def answer(self, route: str, match: re.Match[str], query: dict[str, str], body: Any, url: str) -> Answer:
        answer = self._answer(route, match, query, body, url)
        if route in self.edits:
            answer.body = self.edits[route](answer.body)
        return answer

    def _answer(self, route: str, match: re.Match[str], query: dict[str, str], body: Any, url: str) -> Answer:
        if route in FEED_PARAMS:
            return self._feed_page(route, query, url)
        if route == "cf-notice-search":
            return self._notice_search(body)
        key = unquote(match.group("id"))
        if route == "cf-notice":
            found = [r.body for r in self.recorded if r.notice_id == key]
        elif route == "cf-release":
            found = [r.body for r in self.recorded if r.release_id == key]
        else:
            found = [self.records[key]] if key in self.records else []
        if not found:
            return Answer(404, b'{"error": "not found"}')
        return Answer(200, found[0])

    def _feed_page(self, route: str, query: dict[str, str], url: str) -> Answer:
        from_param, to_param = FEED_PARAMS[route]
        start, end = parse_time(query[from_param]), parse_time(query[to_param])
        stages = {s for s in query.get("stages", "").split(",") if s}
        limit = min(int(query.get("limit", 100)), 100)
        offset = int(base64.b64decode(query["cursor"]).decode()) if query.get("cursor") else 0
        matching = [
            r for r in self.recorded if start <= r.date <= end and (not stages or stages & set(r.release.get("tag", [])))
        ]
        page = matching[offset : offset + limit]
        package: dict[str, Any] = {
            "uri": url,
            "version": "1.1",
            "publishedDate": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "publisher": {"name": "Cabinet Office", "scheme": "GB-GOVUK", "uid": "D2"},
            "license": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "releases": [r.release for r in page],
        }
        if offset + limit < len(matching):
            cursor = base64.b64encode(str(offset + limit).encode()).decode()
            next_query = {k: v for k, v in query.items() if k != "cursor"} | {"cursor": cursor}
            package["links"] = {"next": f"{self.base_url}{urlsplit(url).path}?{urlencode(next_query)}"}
        return Answer(200, json.dumps(package).encode("utf-8"))

    def _notice_search(self, body: Any) -> Answer:
        criteria = body["searchCriteria"]
        start, end = parse_time(criteria["publishedFrom"]), parse_time(criteria["publishedTo"])
        found = self.matching(criteria["keyword"], start, end, "Awarded" in (criteria.get("statuses") or []))
        size = min(int(body.get("size", 1000)), self.max_hits)
        notices = [
            {
                "score": 1.0,
                "item": {
                    "id": r.notice_id,
                    "title": r.release.get("tender", {}).get("title"),
                    "publishedDate": r.release["date"],
                    "noticeType": "Contract",
                },
            }
            for r in found[:size]
        ]
        return Answer(200, json.dumps({"hitCount": len(found), "noticeList": notices}).encode("utf-8"))


def _searchable_text(release: dict[str, Any]) -> str:
    tender = release.get("tender") or {}
    names = [p.get("name") or "" for p in release.get("parties") or []]
    names.append((release.get("buyer") or {}).get("name") or "")
    text = " ".join([tender.get("title") or "", tender.get("description") or "", *names])
    return html.unescape(text).lower()


class _LoopbackServer(ThreadingHTTPServer):
    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's full name (a possible DNS query): skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class _Handler(BaseHTTPRequestHandler):
    app: FakeServices
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        app = self.app
        with app._lock:
            app.in_flight += 1
            app.max_in_flight = max(app.max_in_flight, app.in_flight)
        self._in_flight = True
        try:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            for route_method, pattern, route in ROUTES:
                match = pattern.match(parts.path)
                if match and route_method == method:
                    break
            else:
                route, match = "unknown", None
            with app._lock:
                fault = app.faults[route].pop(0) if app.faults[route] else "ok"
                app.log.append(Hit(route, method, self.path, query, body, fault, self.headers.get("User-Agent", "")))
            if app.delay:
                time.sleep(app.delay)
            if match is None:
                self._send(Answer(404, b'{"error": "no such path"}'))
                return
            self._apply(fault, lambda: app.answer(route, match, query, body, app.base_url + self.path))
        finally:
            self._leave()

    def _leave(self) -> None:
        """The request is answered: from here the client can read the whole answer and send its next
        request, so it no longer counts as in flight (counting it until the handler returns made the
        next request look concurrent on a loaded machine)."""
        if getattr(self, "_in_flight", False):
            self._in_flight = False
            with self.app._lock:
                self.app.in_flight -= 1

    def _apply(self, fault: str, answer: Callable[[], Answer]) -> None:
        if fault == "ok":
            self._send(answer())
        elif fault == "reset":
            # SO_LINGER with a zero timeout makes close() send a TCP RST instead of a FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif fault == "truncate":
            full = answer()
            self._send(full, cut=len(full.body) // 2)
        elif fault == "truncate-nolength":
            full = answer()
            self._send(full, cut=len(full.body) // 2, with_length=False)
        elif fault == "slow":
            time.sleep(self.app.slow_seconds)
            try:
                self._send(answer())
            except OSError:
                pass  # the client gave up waiting, as it should
        elif fault == "html200":
            self._send(Answer(200, b"<html><body>Service temporarily unavailable</body></html>", "text/html"))
        elif fault == "drip":
            self._drip(answer())
        else:
            status, _, extra = fault.partition("+retry-after:")
            headers = {"Retry-After": extra} if extra else {}
            body = RATE_LIMIT_PAGE if status == "403" else f"error {status}".encode()
            self._send(Answer(int(status), body, "text/html", headers))

    def _drip(self, answer: Answer) -> None:
        """The whole answer, status line and headers too, a byte at a time, until the client hangs up."""
        head = (f"HTTP/1.1 {answer.status} OK\r\nContent-Type: {answer.content_type}\r\n"
                f"Content-Length: {len(answer.body)}\r\nConnection: close\r\n\r\n").encode()
        self.close_connection = True
        self._leave()
        try:
            for byte in head + answer.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(self.app.drip_seconds)
        except OSError:
            pass  # the client gave up, as it should

    def _send(self, answer: Answer, *, cut: int | None = None, with_length: bool = True) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if with_length:
            self.send_header("Content-Length", str(len(answer.body)))
        if cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self._leave()
        self.end_headers()
        self.wfile.write(answer.body if cut is None else answer.body[:cut])
        self.wfile.flush()
        if cut is not None:
            self.connection.shutdown(socket.SHUT_WR)


# --- a publisher's web site ---------------------------------------------------------------------
#
# Used by tests/test_sources_*.py. Pages and files are registered by path; files can be real files
# from the shared corpus, read from there at request time (never copied into the repository).
# Conditional GET is honoured the way web servers do it: If-None-Match against the ETag, else
# If-Modified-Since against Last-Modified, answering 304 without a body.
#
# `site.fail(path, *faults)` queues faults for the next GET requests to that path, one per request:
# a status ("500", "503", "404"), "reset" (TCP reset before any answer), "reset-mid-body" (headers
# and half the body, then a TCP reset), "truncate" (full Content-Length, half the body, then close),
# "html200" (an HTML error page with status 200), "ok".
#
# HEAD is answered with GET's headers and no body, or refused with 405 where a resource says so
# (`SiteResource.head=False`, as some CMS download handlers do). A Range header is logged, not
# honoured: the whole body is sent, as dynamic download handlers do, so a client that wants only the
# first bytes must stop reading.
#
# A resource with `chunks` is streamed as it is made, without Content-Length, `interval` seconds
# between chunks, until they run out or the client hangs up: a page that never ends, a file sent a
# byte a second. `site.sent[path]` counts the body bytes that went out (what the client let through).


@dataclass
class SiteResource:
    """One thing the site serves: a page or a file."""

    body: bytes | None = None
    file: Path | None = None
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    head: bool = True  # False: HEAD is refused with 405 Method Not Allowed
    chunks: Callable[[], Iterable[bytes]] | None = None  # a body made as it is sent (see above)
    interval: float = 0.0

    def data(self) -> bytes:
        return self.file.read_bytes() if self.file is not None else (self.body or b"")


@dataclass
class SiteHit:
    """One request the site received, and what it answered."""

    path: str
    method: str
    status: int
    fault: str
    if_none_match: str | None
    if_modified_since: str | None
    body_bytes: int
    user_agent: str
    range: str | None = None


def sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes: what a provenance record must say of the file it describes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(root: Path) -> list[str]:
    """Every file below `root`, '/'-separated and sorted: what a fetch left on disk, temp files included."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


SITE_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Page not found | NHS Trust</title></head><body>"
    b"<h1>Sorry, we can't find that page</h1><p>It may have been moved or deleted.</p></body></html>"
)


class FakePublisherSite(LoopbackHTTPServer):
    """A publisher's web site on 127.0.0.1:<ephemeral port>."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: dict[str, SiteResource] = {}
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.log: list[SiteHit] = []
        self.sent: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("SiteHandler", (_SiteHandler,), {"site": self})

    def url(self, path: str) -> str:
        return self.base_url + path

    def page(self, path: str, html_text: str) -> None:
        self.resources[path] = SiteResource(body=html_text.encode("utf-8"))

    def add(self, path: str, resource: SiteResource) -> None:
        self.resources[path] = resource

    def fail(self, path: str, *faults: str) -> None:
        self.faults[path].extend(faults)

    def hits(self, path: str | None = None, method: str | None = None) -> list[SiteHit]:
        return [h for h in self.log if (path is None or h.path == path) and (method is None or h.method == method)]


class _SiteHandler(BaseHTTPRequestHandler):
    site: FakePublisherSite
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.site
        with site._lock:
            faults = site.faults.get(self.path)
            self._fault = faults.pop(0) if faults else "ok"
        self._answer(site.resources.get(self.path), self._fault)

    def do_HEAD(self) -> None:
        resource = self.site.resources.get(self.path)
        self._fault = "ok"
        if resource is not None and not resource.head:
            self._send(405, b"", "text/html", {"Allow": "GET"})
        else:
            self._answer(resource, "ok")

    def _record(self, status: int, body_bytes: int) -> None:
        # Logged before the answer is written, so a client that has its answer finds it in the log.
        with self.site._lock:
            self.site.log.append(SiteHit(self.path, self.command, status, self._fault, self.headers.get("If-None-Match"),
                                         self.headers.get("If-Modified-Since"), body_bytes,
                                         self.headers.get("User-Agent", ""), self.headers.get("Range")))

    def _answer(self, resource: SiteResource | None, fault: str) -> tuple[int, int]:
        if fault == "reset":
            self._record(0, 0)
            self._reset()
            return 0, 0
        if fault == "html200":
            return 200, self._send(200, SITE_ERROR_PAGE, "text/html; charset=utf-8", {})
        if fault not in ("ok", "reset-mid-body", "truncate"):
            return int(fault), self._send(int(fault), f"<html><body>error {fault}</body></html>".encode(), "text/html", {})
        if resource is None:
            return 404, self._send(404, SITE_ERROR_PAGE, "text/html; charset=utf-8", {})
        headers = dict(resource.headers)
        if resource.etag:
            headers["ETag"] = resource.etag
        if resource.last_modified:
            headers["Last-Modified"] = resource.last_modified
        if self._not_modified(resource):
            return 304, self._send(304, b"", None, headers)
        if resource.chunks is not None:
            return resource.status, self._stream(resource, headers)
        body = resource.data()
        if fault == "reset-mid-body":
            self._send(resource.status, body, resource.content_type, headers, cut=len(body) // 2, reset=True)
            return resource.status, len(body) // 2
        if fault == "truncate":
            self._send(resource.status, body, resource.content_type, headers, cut=len(body) // 2)
            return resource.status, len(body) // 2
        return resource.status, self._send(resource.status, body, resource.content_type, headers)

    def _stream(self, resource: SiteResource, headers: dict[str, str]) -> int:
        """A body sent as it is made, without Content-Length, ended by closing the connection."""
        self._record(resource.status, 0)
        self.send_response(resource.status)
        self.send_header("Content-Type", resource.content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return 0
        try:
            for chunk in resource.chunks():  # type: ignore[misc]
                self.wfile.write(chunk)
                self.wfile.flush()
                with self.site._lock:
                    self.site.sent[self.path] += len(chunk)
                if resource.interval:
                    time.sleep(resource.interval)
        except OSError:
            pass  # the client hung up
        return self.site.sent[self.path]

    def _not_modified(self, resource: SiteResource) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return resource.etag is not None and resource.etag in [t.strip() for t in tags.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since and resource.last_modified:
            from email.utils import parsedate_to_datetime

            try:
                return parsedate_to_datetime(resource.last_modified) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send a TCP RST instead of a FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send(self, status: int, body: bytes, content_type: str | None, headers: dict[str, str], *,
              cut: int | None = None, reset: bool = False) -> int:
        payload = body if cut is None else body[:cut]
        if self.command == "HEAD":
            payload = b""  # the headers GET would send, Content-Length included; no body
        self._record(status, len(payload) if status != 304 else 0)  # before anything reaches the client
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        if cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if status != 304:
            self.wfile.write(payload)
        self.wfile.flush()
        if cut is not None:
            if reset:
                time.sleep(0.05)  # let the first half reach the client before the reset
                self._reset()
            else:
                self.connection.shutdown(socket.SHUT_WR)
        return len(payload) if status != 304 else 0
