"""Bounds on every answer read from the network: how many bytes, and for how long.

A landing page that never ends, a gzip bomb (kilobytes on the wire that inflate to gigabytes) or a file
sent one byte a second must neither fill the memory nor hang a run. Every request made through
`spend.sources.http.PoliteSession` is one `Exchange`, bounded by its `Limits`:

- `max_bytes`: the body's size counted *after* Content-Encoding is undone. Bodies are read in chunks and
  urllib3 inflates only as much as each chunk asks for, so a bomb stops at the limit instead of after
  inflating. Pages and the services' answers are read into memory (`read_body`); files stream to disk
  under the same kind of limit (`spend.sources.download`).
- `deadline`: wall-clock seconds for the whole exchange: connecting, waiting for the headers, reading the
  body, following redirects. A `Service`'s read timeout bounds only the silence between two packets, which
  a server dripping one byte a second never reaches. When the deadline passes, a timer shuts down the
  socket the exchange is using; the read blocked on it returns at once, and the exchange ends in
  `DeadlineExceeded`.

Going past either bound is not retried: it raises `PageTooLarge`, `FileTooLarge` or `DeadlineExceeded`
(`spend.sources.errors`), naming the URL and the limit; `spend fetch` records it as a failed page or file.

The defaults below are generous for real use. They are read when a session or a download starts, so
tests and benchmarks can lower them (or pass their own `Limits`).

How the timer finds the socket: the transport adapter `BoundedAdapter` (mounted on every `PoliteSession`)
opens connections of classes that register themselves with the exchange running on their thread when
they connect and when they send a request, so even a server that drips its headers is cut off. (Through
a SOCKS proxy, whose connections are its own, only the body is watched.)
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from spend.sources.errors import DeadlineExceeded, PageTooLarge

MiB = 1024 * 1024
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """How much of one answer is read at most (bytes, after decompression) and for how long (seconds,
    for the whole exchange)."""

    max_bytes: int
    deadline: float

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or not self.deadline > 0:
            raise ValueError(f"limits must be positive, not {self.max_bytes} bytes and {self.deadline} s")


# Publishers' web pages (landing pages, year pages, archive pages) and what link checks read: real
# transparency pages are tens to hundreds of kilobytes, and come in seconds.
PAGE = Limits(max_bytes=20 * MiB, deadline=60.0)
# The notice services' answers: a page of 100 OCDS releases is a few MB (the largest recorded release is
# 80 KB), and Contracts Finder can take a couple of minutes to put one together (its read timeout is 120 s).
API = Limits(max_bytes=100 * MiB, deadline=300.0)
# Spend files: the largest seen are tens of MB (Guy's and St Thomas' lists about 13,000 lines a month in
# 3-4 MB), so 200 MiB is not a monthly spend file; the deadline is scaled to that size: 200 MiB in ten
# minutes is 350 kB/s, slower than any publisher's site. A file not in by then is stalled or hostile.
FILE = Limits(max_bytes=200 * MiB, deadline=600.0)


# --- the exchange and its deadline ----------------------------------------------------------------

_current = threading.local()


class Exchange:
    """One request and its answer, within `limits`: a context manager around sending the request and
    reading the body, on one thread. On leaving it, `DeadlineExceeded` replaces whatever the cut
    connection raised (a reset, a body cut short), or a body that merely looked complete."""

    def __init__(self, url: str, limits: Limits):
        self.url = url
        self.limits = limits
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(limits.deadline, self._expire)
        self._timer.daemon = True
        self._outer: Exchange | None = None

    def __enter__(self) -> Exchange:
        self._outer = getattr(_current, "exchange", None)
        _current.exchange = self
        self._timer.start()
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self._timer.cancel()
        _current.exchange = self._outer
        if self.expired and (exc is None or isinstance(exc, Exception)):  # Ctrl-C stays Ctrl-C
            raise self.error() from None

    def error(self) -> DeadlineExceeded:
        return DeadlineExceeded(self.url, f"no complete answer within the {self.limits.deadline:g}-second deadline "
                                          "(connecting, headers and body); gave up, nothing kept")

    def check(self) -> None:
        """Raise `DeadlineExceeded` if the deadline has passed."""
        if self.expired:
            raise self.error()

    def watch(self, connection: Any) -> None:
        """`connection` is the one this exchange is using now: its socket is the one to cut when the
        deadline passes. The socket is kept, not looked up then: a connection that will close after
        the answer hands its socket over to the response and forgets it (http.client)."""
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with self._lock:
                self._sock = sock
        self.check()  # it passed while the connection was being opened

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sock = self._sock
        if sock is not None:
            try:
                # The plain socket's shutdown, also under TLS: it wakes a blocked read without touching
                # the TLS object, which the reading thread is using.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass  # already closed


def current_exchange() -> Exchange:
    exchange = getattr(_current, "exchange", None)
    if exchange is None:
        raise RuntimeError("a BoundedAdapter request outside an Exchange: send it through PoliteSession")
    return exchange


def _watch(connection: Any) -> None:
    exchange = getattr(_current, "exchange", None)
    if exchange is not None:
        exchange.watch(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        _watch(self)  # a connection reused from the pool is not connected again
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        _watch(self)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class BoundedAdapter(HTTPAdapter):
    """requests' transport adapter, with connections the exchange's deadline can cut, and whole bodies
    (requests sent without `stream=True`) read within the exchange's size limit. Reading them here, before
    requests-cache sees the answer, keeps an oversized or cut-off body out of the response cache too."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS managers have connection classes of their own
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager

    def send(self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any) -> requests.Response:
        exchange = current_exchange()
        response = super().send(request, stream=stream, **kwargs)
        connection = getattr(response.raw, "connection", None)
        if connection is not None:
            exchange.watch(connection)  # already watched, unless it came through a SOCKS proxy
        if not stream:
            # requests reads the body after the adapter returns (and requests-cache stores what it read):
            # this is the same read, bounded. `_content` is where requests keeps a body it has read.
            response._content = read_body(response, exchange.url, exchange.limits.max_bytes)
            exchange.check()  # a cut connection can look like a body that simply ended
        return response


# --- reading bodies within a size limit -----------------------------------------------------------


def iter_bounded(response: requests.Response, max_bytes: int, too_large: Callable[[], Exception]) -> Iterator[bytes]:
    """The body's chunks, decoded; `too_large()` is raised (and the connection closed) as soon as they
    add up to more than `max_bytes`."""
    size = 0
    for chunk in response.iter_content(chunk_size=CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise too_large()
        yield chunk


def read_body(response: requests.Response, url: str, max_bytes: int) -> bytes:
    """The whole body of a page or a service's answer, decoded; `PageTooLarge` past `max_bytes`."""

    def too_large() -> PageTooLarge:
        return PageTooLarge(url, f"the body is over the {max_bytes:,}-byte limit (counted after decompression); "
                                 "stopped reading, nothing kept")

    return b"".join(iter_bounded(response, max_bytes, too_large))
