"""The two notice services, as data: hosts, paths, parameters, windows and rate limits.

Facts come from the services' own API documentation:
- Contracts Finder: https://www.contractsfinder.service.gov.uk/apidocumentation
- Find a Tender:    https://www.find-tender.service.gov.uk/apidocumentation/1.0/GET-ocdsReleasePackages
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from spend.sources.services import Service

CONTRACTS_FINDER = Service(
    name="contracts-finder",
    base_url="https://www.contractsfinder.service.gov.uk",
    # "HTTP response status code: 403 - When the user has submitted too many requests, no further
    # requests should be made until after 5 minutes" (apidocumentation, every OCDS method).
    retry_statuses=frozenset({403, 429, 500, 502, 503, 504}),
    pauses={403: 300.0},
    # POST api/rest/2/search_notices is a read-only search, so sending it again is safe.
    retry_methods=frozenset({"GET", "HEAD", "POST"}),
    max_attempts=6,
    # The request rate limit is not published; one request a second is our conservative choice,
    # and the 403 pause covers the rest.
    min_interval=1.0,
    # Search pages of 100 full releases can take a while to be assembled.
    timeout=(10.0, 120.0),
)

FIND_A_TENDER = Service(
    name="find-a-tender",
    base_url="https://www.find-tender.service.gov.uk",
    # Find a Tender throttles at about 12 requests per 2 minutes and answers 429 without a
    # Retry-After header, so after a 429 we wait out one whole 2-minute window ...
    retry_statuses=frozenset({429, 500, 502, 503, 504}),
    pauses={429: 120.0},
    retry_methods=frozenset({"GET", "HEAD"}),
    max_attempts=6,
    # ... and pace requests at 120 s / 12 = 10 s so that we rarely meet the limit at all.
    min_interval=10.0,
    timeout=(10.0, 120.0),
)


@dataclass(frozen=True)
class Feed:
    """A cursor-paginated OCDS release-package endpoint queried by date window.

    Each page is a release package whose `links.next` gives the next page (OCDS pagination
    extension); the last page has no `links.next`.
    """

    source: str
    service: Service
    path: str
    from_param: str
    to_param: str
    # Long windows silently miss releases on both services, so ranges are sliced this short.
    window: timedelta
    # Largest page both services allow ("limit: 1 to 100").
    limit: int = 100
    stages_param: str = "stages"
    time_format: str = "%Y-%m-%dT%H:%M:%S"
    # Our choice, not the services': releases keep arriving in a window for days after it ends (late
    # publication, edits), so an answer about a window that ended less than `settles_after` ago is
    # provisional and kept in the response cache for `provisional_cache` only; older ones for good.
    settles_after: timedelta = timedelta(days=7)
    provisional_cache: timedelta = timedelta(hours=1)

    def at(self, base_url: str) -> Feed:
        return replace(self, service=self.service.at(base_url))


@dataclass(frozen=True)
class NoticeSearch:
    """Contracts Finder's keyword search (POST api/rest/2/search_notices/json).

    It answers notice summaries, not OCDS, and at most `max_hits` of them whatever `hitCount`
    says, so a window with more hits is split in two until each part fits. Each hit's OCDS
    release package is then fetched from `notice_path`, the `uri` Contracts Finder gives every
    release package (`.../Published/Notice/releases/{notice id}.json`).
    """

    source: str
    service: Service
    path: str = "/api/rest/2/search_notices/json"
    notice_path: str = "/Published/Notice/releases/{id}.json"
    # "size: Gets or sets the maximum size of the results", 1000 in the documented sample and at most.
    max_hits: int = 1000
    window: timedelta = timedelta(days=30)
    # Windows are not split below this; a smaller window still over max_hits is reported.
    min_window: timedelta = timedelta(hours=1)
    time_format: str = "%Y-%m-%dT%H:%M:%S"
    # As for `Feed`: answers about the last days are provisional.
    settles_after: timedelta = timedelta(days=7)
    provisional_cache: timedelta = timedelta(hours=1)

    def at(self, base_url: str) -> NoticeSearch:
        return replace(self, service=self.service.at(base_url))


@dataclass(frozen=True)
class Lookups:
    """Single look-ups by id: GET Published/OCDS/Release/{id} and GET Published/OCDS/Record/{ocid}."""

    source: str
    service: Service
    release_path: str = "/Published/OCDS/Release/{id}"
    record_path: str = "/Published/OCDS/Record/{ocid}"

    def at(self, base_url: str) -> Lookups:
        return replace(self, service=self.service.at(base_url))


CONTRACTS_FINDER_FEED = Feed(
    source="contracts-finder",
    service=CONTRACTS_FINDER,
    path="/Published/Notices/OCDS/Search",
    # "publishedFrom / publishedTo: limit on publication date (latest edit and first publication
    # in current stage), ISO 8601".
    from_param="publishedFrom",
    to_param="publishedTo",
    window=timedelta(days=1),
)

FIND_A_TENDER_FEED = Feed(
    source="find-a-tender",
    service=FIND_A_TENDER,
    path="/api/1.0/ocdsReleasePackages",
    # "updatedFrom / updatedTo: date and time record was last updated, YYYY-MM-DDTHH:MM:SS".
    from_param="updatedFrom",
    to_param="updatedTo",
    window=timedelta(hours=6),
)

CONTRACTS_FINDER_SEARCH = NoticeSearch(source="contracts-finder", service=CONTRACTS_FINDER)
CONTRACTS_FINDER_LOOKUPS = Lookups(source="contracts-finder", service=CONTRACTS_FINDER)

FEEDS: dict[str, Feed] = {feed.source: feed for feed in (CONTRACTS_FINDER_FEED, FIND_A_TENDER_FEED)}
SEARCHES: dict[str, NoticeSearch] = {"contracts-finder": CONTRACTS_FINDER_SEARCH}
LOOKUPS: dict[str, Lookups] = {"contracts-finder": CONTRACTS_FINDER_LOOKUPS}
