"""What a host asks of its clients, as data: retry statuses, rate-limit pauses, pacing and timeouts.

Standard library only, so the services can be named (`spend notices fetch --help`) without loading the
network stack; `spend.sources.http.PoliteSession` applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class Service:
    """What one host asks of its clients. Facts about a real service belong in its definition,
    each with a comment naming the documentation it comes from (see `spend.sources.notice_apis`)."""

    name: str
    base_url: str
    # Statuses that mean "try again later" rather than "this will never work".
    retry_statuses: frozenset[int] = frozenset({500, 502, 503, 504})
    # Statuses that mean "stop for this long" (seconds), instead of the backoff curve.
    pauses: Mapping[int, float] = field(default_factory=dict)
    # Methods that are safe to send twice. POST only where the service uses it to read.
    retry_methods: frozenset[str] = frozenset({"GET", "HEAD"})
    max_attempts: int = 6
    # Backoff after the n-th failure of a request: backoff_factor * 2**(n-1), at most backoff_max.
    backoff_factor: float = 2.0
    backoff_max: float = 120.0
    # Seconds between the start of one request to this host and the next.
    min_interval: float = 1.0
    # (connect, read) timeouts in seconds.
    timeout: tuple[float, float] = (10.0, 60.0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pauses", MappingProxyType(dict(self.pauses)))
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def at(self, base_url: str) -> Service:
        """The same service at another address (a mirror, or a test server on 127.0.0.1)."""
        return replace(self, base_url=base_url)

    def url(self, path: str) -> str:
        return self.base_url + path

    def backoff(self, failures: int) -> float:
        return min(self.backoff_max, self.backoff_factor * 2 ** (failures - 1))
