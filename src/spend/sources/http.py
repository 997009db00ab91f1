"""One polite HTTP layer for every service the project fetches from.

A `Service` holds what we know about one host as data: which statuses are worth another try,
which statuses mean "stop for a while" and for how long, which methods are safe to repeat,
how long to leave between requests and how long to wait for an answer. `PoliteSession` applies
that policy to each request:

- a User-Agent that names the project (`user_agent()`);
- connect and read timeouts, and bounds on the whole answer (`spend.sources.limits`): a size limit
  on the decoded body and a wall-clock deadline for the exchange, neither retried when reached;
- one request at a time per host, with at least `min_interval` seconds between requests;
- retries with exponential backoff on the service's retry statuses, on dropped or reset
  connections, on timeouts and on bodies cut short; the documented pause for rate-limit
  statuses (and `Retry-After` when the service sends it). A pause holds the whole host, so
  other threads do not knock while the service has asked us to stop;
- an on-disk cache (requests-cache, SQLite) of successful answers, so a re-run does not ask
  the service again; a request can say how long its answer may be reused (`expire_after`), or
  that the cache is not to be read for it (`refresh`);
- every wait is recorded in `PoliteSession.waits` (seconds asked for, reason, URL) and slept
  through an injectable `sleep`, scaled by `wait_scale` (`SPEND_HTTP_WAIT_SCALE`), so tests
  can check the waits without spending them.

Why the retry loop is here and not urllib3's `Retry` mounted on the adapter: `Retry` sleeps
inside the adapter (we must record, scale and share waits per host), has one backoff curve for
every status (Contracts Finder needs a fixed five-minute pause on 403 and ordinary backoff on
500), and never sees a body cut short after the headers (requests reads the body after the
adapter has returned). We still use its `Retry-After` parser.

`save_response` writes a body byte for byte with a provenance record beside it (URL, time,
sha256, content type), atomically, for the raw store described in DESIGN.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

import requests
import requests_cache
from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

from spend import __version__
from spend.core.errors import SpendError
from spend.core.files import PROVENANCE_SUFFIX, provenance_path, read_provenance, write_atomic  # noqa: F401 (used here and re-exported)
from spend.sources import limits as default_limits
from spend.sources.limits import BoundedAdapter, Exchange, Limits
from spend.sources.services import Service

# Environment variables: a contact (URL or e-mail) added to the User-Agent, and a factor applied
# to every wait before sleeping (0 in tests; 1, the default, in real use).
CONTACT_ENV = "SPEND_HTTP_CONTACT"
WAIT_SCALE_ENV = "SPEND_HTTP_WAIT_SCALE"


def user_agent() -> str:
    """The User-Agent sent with every request: the project, its version and why it is asking."""
    contact = os.environ.get(CONTACT_ENV, "").strip()
    extra = f"; +{contact}" if contact else ""
    return f"spend/{__version__} (UK public spending research{extra}) python-requests/{requests.__version__}"


@dataclass(frozen=True)
class Wait:
    """One wait before a request: how long we were asked to wait, why, and for which URL."""

    seconds: float
    reason: str
    url: str


class FetchError(SpendError):
    """A request failed for good: a status not worth retrying, or every try used up."""

    def __init__(self, url: str, reason: str, *, status: int | None = None):
        self.status = status
        super().__init__(url, reason)


class InvalidBody(Exception):
    """Raised by a `validate` callback: the answer arrived but is not usable (cut short, an
    HTML error page with status 200). The request is retried like a dropped connection."""


# Transport failures worth another try: refused, reset or dropped connections, timeouts, and
# bodies shorter than their Content-Length (requests raises ChunkedEncodingError for those).
_TRANSPORT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class _HostGate:
    """One per host: a lock so requests go one at a time, and the earliest time of the next one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.not_before = 0.0
        self.reason = ""

    def hold_off(self, until: float, reason: str) -> None:
        if until > self.not_before:
            self.not_before, self.reason = until, reason


_GATES: dict[tuple[str, Any], _HostGate] = {}
_GATES_LOCK = threading.Lock()


def _gate_for(url: str, clock: Callable[[], float]) -> _HostGate:
    # Keyed by clock too: times from different clocks (a test's fake clock) cannot be compared.
    key = (urlsplit(url).netloc.lower(), clock)
    with _GATES_LOCK:
        return _GATES.setdefault(key, _HostGate())


class PoliteSession:
    """Requests to one `Service`, made politely (see the module docstring).

    `cache_path`: SQLite file for the response cache, or None for no cache.
    `sleep`, `clock`: injectable for tests (`clock` must be monotonic seconds).
    `wait_scale`: factor applied to every wait before sleeping; default from `SPEND_HTTP_WAIT_SCALE`.
    `limits`: the bounds on each answer unless a request names its own; default `spend.sources.limits.API`.
    """

    def __init__(
        self,
        service: Service,
        *,
        cache_path: str | Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wait_scale: float | None = None,
        limits: Limits | None = None,
    ):
        self.service = service
        self.limits = limits or default_limits.API
        self.waits: list[Wait] = []
        self.network_requests = 0
        self._sleep = sleep
        self._clock = clock
        self._scale = float(os.environ.get(WAIT_SCALE_ENV, "1")) if wait_scale is None else wait_scale
        self._session: requests.Session
        if cache_path is None:
            self._session = requests.Session()
        else:
            Path(cache_path).parent.mkdir(parents=True, exist_ok=True)
            self._session = requests_cache.CachedSession(
                str(cache_path),
                backend="sqlite",
                # Only complete, successful answers are kept; POST is cached because the
                # services we use answer searches by POST (the body is part of the key).
                allowable_codes=(200,),
                allowable_methods=("GET", "POST"),
                expire_after=requests_cache.NEVER_EXPIRE,
            )
        self._session.headers["User-Agent"] = user_agent()
        for scheme in ("http://", "https://"):
            self._session.mount(scheme, BoundedAdapter())

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        validate: Callable[[requests.Response], None] | None = None,
        limits: Limits | None = None,
        expire_after: timedelta | None = None,
        refresh: bool = False,
    ) -> requests.Response:
        """Send one request, retrying as the service's policy says; return a complete 2xx answer.

        `validate(response)` may raise `InvalidBody` to have the answer discarded (and dropped
        from the cache) and the request tried again. Raises `FetchError` when giving up, and
        `PageTooLarge` or `DeadlineExceeded` at once when the answer goes past `limits` (the
        session's unless given). With a cache: a new answer is kept for `expire_after` (None: for
        good), and `refresh` asks the service even when the cache holds an answer, replacing it.
        """
        method = method.upper()
        prepared = self._session.prepare_request(
            requests.Request(method, url, params=params, json=json, headers=dict(headers or {}))
        )
        target = prepared.url or url
        gate = _gate_for(target, self._clock)
        bounds = limits or self.limits
        options = self._cache_options(expire_after, refresh)
        failures = 0
        while True:
            with gate.lock:
                if refresh or not self._is_cached(prepared):
                    self._wait_at(gate, target)
                with Exchange(target, bounds):
                    response, problem = self._send(prepared, gate, options)
                if response is not None:
                    problem = self._judge(response, method, target, validate)
                if problem is None:
                    return response  # type: ignore[return-value]
                failures += 1
                if method not in self.service.retry_methods:
                    raise FetchError(target, f"{problem}; {self.service.name} {method} requests are not repeated")
                if failures >= self.service.max_attempts:
                    raise FetchError(
                        target,
                        f"{problem}; gave up after {failures} tries",
                        status=response.status_code if response is not None else None,
                    )
                seconds, reason = self._delay_after(response, failures, problem)
                gate.hold_off(self._clock() + seconds, reason)

    def _send(
        self, prepared: requests.PreparedRequest, gate: _HostGate, options: Mapping[str, Any]
    ) -> tuple[requests.Response | None, str | None]:
        # The whole body is read within send (by `BoundedAdapter`), so a body cut short fails here and is retried.
        try:
            response = self._session.send(prepared, timeout=self.service.timeout, **options)
        except _TRANSPORT_ERRORS as exc:
            self._count_network(gate)
            return None, f"{type(exc).__name__}: {exc}"
        if not getattr(response, "from_cache", False):
            self._count_network(gate)
        return response, None

    def _count_network(self, gate: _HostGate) -> None:
        self.network_requests += 1
        gate.hold_off(self._clock() + self.service.min_interval, "pace")

    def _judge(self, response: requests.Response, method: str, url: str, validate: Callable | None) -> str | None:
        """None if the answer is usable; a short reason if it is worth another try; raise if not."""
        status = response.status_code
        if status in self.service.retry_statuses:
            return f"HTTP {status}"
        if not 200 <= status < 300:
            snippet = response.text[:200].replace("\n", " ").strip()
            raise FetchError(url, f"HTTP {status} {response.reason}: {snippet}", status=status)
        if validate is not None:
            try:
                validate(response)
            except InvalidBody as exc:
                self._forget(response)
                return f"unusable body ({exc})"
        return None

    def _forget(self, response: requests.Response) -> None:
        cache = getattr(self._session, "cache", None)
        if cache is not None:
            cache.delete(requests=[response.request])

    def _is_cached(self, prepared: requests.PreparedRequest) -> bool:
        """Whether the cache holds an answer to this request that has not expired."""
        cache = getattr(self._session, "cache", None)
        if cache is None:
            return False
        cached = cache.get_response(cache.create_key(prepared))
        return cached is not None and not cached.is_expired

    def _cache_options(self, expire_after: timedelta | None, refresh: bool) -> dict[str, Any]:
        """requests-cache's per-request options (a plain session takes none)."""
        if getattr(self._session, "cache", None) is None:
            return {}
        options: dict[str, Any] = {"force_refresh": refresh}
        if expire_after is not None:
            options["expire_after"] = expire_after
        return options

    def _wait_at(self, gate: _HostGate, url: str) -> None:
        seconds = gate.not_before - self._clock()
        if seconds > 0:
            self.waits.append(Wait(round(seconds, 3), gate.reason, url))
            self._sleep(seconds * self._scale)

    def _delay_after(self, response: requests.Response | None, failures: int, problem: str) -> tuple[float, str]:
        """How long to hold the host after a failure, and why."""
        backoff = self.service.backoff(failures)
        if response is None:
            return backoff, f"backoff after {problem}"
        status = response.status_code
        retry_after = _parse_retry_after(response.headers.get("Retry-After"))
        pause = self.service.pauses.get(status)
        if pause is not None:
            return max(pause, retry_after or 0.0), f"HTTP {status}: {self.service.name} asks for a pause"
        if retry_after is not None:
            return retry_after, f"HTTP {status}: Retry-After"
        return backoff, f"backoff after {problem}"


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return Retry(0).parse_retry_after(value)
    except InvalidHeader:
        return None


# --- The raw store: bytes as received, with where and when they came from -------------------


@dataclass(frozen=True)
class Provenance:
    """Where a stored body came from. Written beside the body as `<file>.meta.json`."""

    url: str
    method: str
    status: int
    fetched_at: str
    sha256: str
    size: int
    content_type: str | None
    from_cache: bool
    request_body: Any = None


def save_response(response: requests.Response, path: Path) -> Provenance:
    """Store the body byte for byte at `path`, and its provenance beside it; return the provenance."""
    body = response.content
    from_cache = bool(getattr(response, "from_cache", False))
    fetched = getattr(response, "created_at", None) if from_cache else None
    if fetched is None:
        fetched = datetime.now(timezone.utc)
    elif fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=timezone.utc)  # requests-cache keeps naive UTC times
    request_body = None
    if response.request is not None and response.request.body:
        raw = response.request.body
        raw = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            request_body = json.loads(raw)
        except ValueError:
            request_body = raw
    record = Provenance(
        url=response.url,
        method=response.request.method if response.request is not None else "GET",
        status=response.status_code,
        fetched_at=fetched.isoformat(timespec="seconds"),
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        content_type=response.headers.get("Content-Type"),
        from_cache=from_cache,
        request_body=request_body,
    )
    write_atomic(path, body)
    write_atomic(provenance_path(path), json.dumps(asdict(record), indent=1, ensure_ascii=False).encode("utf-8"))
    return record
