"""Harvest OCDS notices into the raw store, resumably.

A harvest is one question asked of one service: "every release published between these two
times" (`harvest_feed`) or "every notice matching this keyword" (`harvest_search`). It lives in
its own folder under `<raw>/<source>/`, named after its parameters, so running the same command
again finds it:

    <raw>/contracts-finder/releases_20190101T0000-20190401T0000_w24h/
        state.json                                   the checkpoint (see `HarvestState`)
        20190101T000000-20190102T000000/page-0001.json   one page as received
        20190101T000000-20190102T000000/page-0001.json.meta.json   its URL, time and sha256

The range is sliced into short windows. Each page is written (atomically, with its provenance)
before anything is read from it, then the checkpoint is updated (atomically) with the next page's
URL. A run stopped at any point resumes at the first page not yet recorded in the checkpoint: a
page written but not yet checkpointed is fetched again and overwrites itself under the same
name, so releases are neither duplicated nor lost.

The services go on publishing into a window for days after it ends, so an answer about a window
that ended less than a week ago (`Feed.settles_after`) is provisional: the response cache keeps it
for an hour only (`provisional_cache`), and a later harvest of that window asks the service again.
`refresh=True` (`spend notices fetch --refresh`) asks again on purpose: every window of the range is
harvested anew, past the cache, its pages replacing those stored before.

Each page is parsed tolerantly (`spend.notices.decode.load_json`), so a page with a number Find a
Tender writes with leading zeros (`"amount": 000`) is kept, not retried; the repairs are counted in
`HarvestResult.repairs`, as the build counts them in its report.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import requests

from spend.core import config
from spend.core.errors import SpendError
from spend.core.files import CHECKPOINT_NAME, provenance_path
from spend.sources.http import InvalidBody, PoliteSession, Wait, save_response, write_atomic
from spend.notices.decode import charset_of, load_json
from spend.sources.notice_apis import Feed, Lookups, NoticeSearch

STATE_FILE = CHECKPOINT_NAME
STATE_FORMAT = 1
# A window needing more pages than this is not converging (a cursor that loops): stop loudly.
MAX_PAGES_PER_WINDOW = 10_000


class HarvestError(SpendError):
    """A harvest cannot go on: bad parameters, a checkpoint that does not match, a looping cursor."""


@dataclass(frozen=True)
class Progress:
    """A snapshot passed to `on_page` after each stored page (drives the CLI's progress bar)."""

    windows_done: int
    windows_total: int
    pages: int
    items: int
    window: str


@dataclass
class HarvestResult:
    directory: Path
    windows_total: int
    windows_done: int
    pages: int  # pages (or search answers and notice packages) stored, over every run
    items: int  # releases (feeds) or notices (searches) stored, over every run
    fetched_now: int  # pages stored by this run
    over_limit: list[str] = field(default_factory=list)  # search windows still over max_hits
    waits: list[Wait] = field(default_factory=list)
    network_requests: int = 0
    repairs: Counter = field(default_factory=Counter)  # in the pages read by this run (names: decode.REPAIRS)


OnPage = Callable[[Progress], None]


# --- windows and the checkpoint ---------------------------------------------------------------


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (the services' parameters are UTC)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def slice_windows(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows of `size` (the last may be shorter)."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise HarvestError(None, f"empty date range: {start.isoformat()} is not before {end.isoformat()}")
    if size < timedelta(seconds=1):
        raise HarvestError(None, f"window {size} is shorter than one second")
    windows = []
    while start < end:
        stop = min(start + size, end)
        windows.append((start, stop))
        start = stop
    return windows


def format_time(moment: datetime, time_format: str) -> str:
    return as_utc(moment).strftime(time_format)


def last_second(end: datetime) -> datetime:
    """The services' `to` parameters include the second they name (Find a Tender's example asks
    for `updatedFrom=2020-12-31T23:00:00&updatedTo=2021-01-07T22:59:59`), so a window [start, end)
    is asked for as start .. end - 1 s; consecutive windows then neither overlap nor leave a gap."""
    return end - timedelta(seconds=1)


def _stamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y%m%dT%H%M%S")


def window_label(window: dict[str, Any]) -> str:
    return f"{_stamp(datetime.fromisoformat(window['start']))}-{_stamp(datetime.fromisoformat(window['end']))}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def safe_filename(identifier: str) -> str:
    """An identifier usable as a file name (OCDS ids may hold '/', ':' and spaces)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", identifier)


class HarvestState:
    """The checkpoint of one harvest: its parameters and, per window, how far it has got.

    Feed windows: {start, end, pages, items, next, done}; `next` is the URL of the next page.
    Search windows: {start, end, searched, hits, notices, items, pages, done, split, over_limit}.
    """

    def __init__(self, path: Path, data: dict[str, Any]):
        self.path = path
        self.data = data

    @classmethod
    def open(cls, path: Path, params: dict[str, Any], windows: list[dict[str, Any]]) -> HarvestState:
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("params") != params:
                raise HarvestError(path, f"checkpoint was written for other parameters: {data.get('params')}")
            return cls(path, data)
        state = cls(path, {"format": STATE_FORMAT, "params": params, "windows": windows})
        state.save()
        return state

    @property
    def windows(self) -> list[dict[str, Any]]:
        return self.data["windows"]

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.data, indent=1, ensure_ascii=False).encode("utf-8"))

    def restart(self, windows: list[dict[str, Any]]) -> None:
        """Start the harvest again (a refresh): fresh windows, each asking past the cache until it is done."""
        self.data["windows"] = [w | {"refresh": True} for w in windows]
        self.save()

    def active_windows(self) -> list[dict[str, Any]]:
        """Windows that count: a window split in two is replaced by its halves."""
        return [w for w in self.windows if not w.get("split")]

    def progress(self, label: str) -> Progress:
        active = self.active_windows()
        return Progress(
            windows_done=sum(1 for w in active if w["done"]),
            windows_total=len(active),
            pages=sum(w.get("pages", 0) for w in self.windows),
            items=sum(w.get("items", 0) for w in self.windows),
            window=label,
        )


# --- validation of answers --------------------------------------------------------------------


def require_json_object(response: requests.Response) -> None:
    """`validate` callback: the body must be a whole JSON object (not cut short, not an HTML page)."""
    try:
        document = load_json(response.content, encoding=charset_of(response.headers.get("Content-Type")))
    except ValueError as exc:
        raise InvalidBody(f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidBody(f"JSON {type(document).__name__}, not an object")


def _parse_stored(response: requests.Response, repairs: Counter) -> dict[str, Any]:
    return load_json(response.content, encoding=charset_of(response.headers.get("Content-Type")), repairs=repairs)


def cache_time(end: datetime, settles_after: timedelta, provisional: timedelta) -> timedelta | None:
    """How long an answer about a window ending at `end` may be reused from the cache: `provisional`
    while the window has not settled (the service may still publish into it), for good (None) after."""
    return None if as_utc(end) + settles_after <= datetime.now(timezone.utc) else provisional


# --- release feeds ----------------------------------------------------------------------------


def harvest_feed(
    feed: Feed,
    start: datetime,
    end: datetime,
    *,
    session: PoliteSession,
    raw_root: Path | None = None,
    stages: str | None = None,
    window: timedelta | None = None,
    limit: int | None = None,
    on_page: OnPage | None = None,
    refresh: bool = False,
) -> HarvestResult:
    """Store every release package page published in [start, end), one short window at a time.
    `refresh`: harvest every window again, past the response cache (see the module docstring)."""
    window = window or feed.window
    limit = limit or feed.limit
    if not 1 <= limit <= feed.limit:
        raise HarvestError(None, f"limit {limit} is outside 1-{feed.limit}, the page sizes {feed.source} allows")
    params = {
        "kind": "releases",
        "source": feed.source,
        "path": feed.path,
        "from": as_utc(start).isoformat(),
        "to": as_utc(end).isoformat(),
        "window_seconds": int(window.total_seconds()),
        "stages": stages,
        "limit": limit,
    }
    name = f"releases_{_stamp(start)[:13]}-{_stamp(end)[:13]}_w{_duration(window)}"
    if stages:
        name += f"_{_slug(stages)}"
    if limit != feed.limit:
        name += f"_limit{limit}"
    directory = (raw_root or config.raw_dir()) / feed.source / name
    windows = [
        {"start": a.isoformat(), "end": b.isoformat(), "pages": 0, "items": 0, "next": None, "done": False}
        for a, b in slice_windows(start, end, window)
    ]
    state = HarvestState.open(directory / STATE_FILE, params, windows)
    if refresh:
        state.restart(windows)
    fetched_now, repairs = 0, Counter()
    for w in state.windows:
        if w["done"]:
            continue
        label = window_label(w)
        keep_for = cache_time(datetime.fromisoformat(w["end"]), feed.settles_after, feed.provisional_cache)
        url = w["next"] or _first_page_url(feed, session, w, stages, limit)
        while url:
            if w["pages"] >= MAX_PAGES_PER_WINDOW:
                raise HarvestError(url, f"more than {MAX_PAGES_PER_WINDOW} pages in window {label}; the cursor loops")
            response = session.get(url, validate=require_json_object, expire_after=keep_for, refresh=w.get("refresh", False))
            page = w["pages"] + 1
            save_response(response, directory / label / f"page-{page:04d}.json")
            package = _parse_stored(response, repairs)
            releases = package.get("releases") or []
            next_url = _next_page_url(package, session)
            if next_url == url:
                raise HarvestError(url, "links.next points back to the same page")
            if not releases:
                next_url = None  # an empty page ends the window even if it offers a next link
            w.update(pages=page, items=w["items"] + len(releases), next=next_url, done=next_url is None)
            if w["done"] and w.pop("refresh", False):
                _drop_pages_after(directory / label, page)
            state.save()
            fetched_now += 1
            if on_page:
                on_page(state.progress(label))
            url = next_url
    return _result(state, directory, session, fetched_now, repairs)


def _drop_pages_after(folder: Path, count: int) -> None:
    """Remove the pages numbered after `count` (and their provenance): left by an earlier harvest of a
    window that now has fewer pages, they would no longer match the checkpoint."""
    for path in folder.glob("page-*.json"):
        number = re.fullmatch(r"page-(\d+)\.json", path.name)
        if number and int(number.group(1)) > count:
            path.unlink()
            provenance_path(path).unlink(missing_ok=True)


def _first_page_url(feed: Feed, session: PoliteSession, w: dict[str, Any], stages: str | None, limit: int) -> str:
    query = {
        feed.from_param: format_time(datetime.fromisoformat(w["start"]), feed.time_format),
        feed.to_param: format_time(last_second(datetime.fromisoformat(w["end"])), feed.time_format),
        "limit": str(limit),
    }
    if stages:
        query[feed.stages_param] = stages
    return session.service.url(feed.path) + "?" + urlencode(query)


def _next_page_url(package: dict[str, Any], session: PoliteSession) -> str | None:
    """`links.next`, moved onto the service's own scheme and host: we only follow cursors to the
    host we were pointed at (a mirror or a test server stays the only host we talk to)."""
    links = package.get("links")
    target = links.get("next") if isinstance(links, dict) else None
    if not target or not isinstance(target, str):
        return None
    parts = urlsplit(target)
    base = urlsplit(session.service.base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def _duration(size: timedelta) -> str:
    seconds = int(size.total_seconds())
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds}s"


# --- keyword searches (Contracts Finder) ------------------------------------------------------


def harvest_search(
    search: NoticeSearch,
    start: datetime,
    end: datetime,
    *,
    keyword: str,
    session: PoliteSession,
    raw_root: Path | None = None,
    awarded_only: bool = False,
    window: timedelta | None = None,
    on_page: OnPage | None = None,
    refresh: bool = False,
) -> HarvestResult:
    """Store the OCDS release package of every notice matching `keyword` published in [start, end).

    Each window's search answer is stored under `search/`, then each hit's package under
    `notices/<notice id>.json`. A window with more hits than the service returns is split in two
    (and its halves searched) until every part fits or `min_window` is reached. `refresh`: search
    every window again and fetch its notices again, past the response cache.
    """
    if not keyword.strip():
        raise HarvestError(None, "empty keyword")
    window = window or search.window
    params = {
        "kind": "search",
        "source": search.source,
        "keyword": keyword,
        "awarded_only": awarded_only,
        "from": as_utc(start).isoformat(),
        "to": as_utc(end).isoformat(),
        "window_seconds": int(window.total_seconds()),
        "max_hits": search.max_hits,
    }
    name = f"search_{_slug(keyword)}{'_awarded' if awarded_only else ''}_{_stamp(start)[:13]}-{_stamp(end)[:13]}_w{_duration(window)}"
    directory = (raw_root or config.raw_dir()) / search.source / name
    windows = [_search_window(a, b) for a, b in slice_windows(start, end, window)]
    state = HarvestState.open(directory / STATE_FILE, params, windows)
    if refresh:
        state.restart(windows)
    fetched_now, repairs = 0, Counter()
    index = 0
    while index < len(state.windows):
        w = state.windows[index]
        if w["done"] or w["split"]:
            index += 1
            continue
        label = window_label(w)
        keep_for = cache_time(datetime.fromisoformat(w["end"]), search.settles_after, search.provisional_cache)
        again = w.get("refresh", False)
        if not w["searched"]:
            response = session.post(
                session.service.url(search.path),
                json=_search_body(search, w, keyword, awarded_only),
                validate=require_json_object,
                expire_after=keep_for,
                refresh=again,
            )
            save_response(response, directory / "search" / f"{label}.json")
            answer = _parse_stored(response, repairs)
            hits = int(answer.get("hitCount") or 0)
            w_start, w_end = datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"])
            if hits > search.max_hits and w_end - w_start > search.min_window:
                middle = w_start + (w_end - w_start) / 2
                middle = middle.replace(microsecond=0)
                w["split"] = True
                halves = [_search_window(w_start, middle), _search_window(middle, w_end)]
                state.windows[index + 1 : index + 1] = [h | {"refresh": True} for h in halves] if again else halves
                state.save()
                index += 1
                continue
            ids = [str(entry["item"]["id"]) for entry in answer.get("noticeList") or [] if _has_notice_id(entry)]
            w.update(searched=True, hits=hits, notices=ids, over_limit=hits > len(ids), pages=1)
            state.save()
            fetched_now += 1
        for notice_id in w["notices"]:
            path = directory / "notices" / f"{safe_filename(notice_id)}.json"
            if path.exists() and not again:  # written atomically, so present means complete
                continue
            response = session.get(
                session.service.url(search.notice_path.format(id=quote(notice_id, safe=""))),
                validate=require_json_object,
                expire_after=keep_for,
                refresh=again,
            )
            save_response(response, path)
            _parse_stored(response, repairs)
            w["items"] += 1
            w["pages"] += 1
            state.save()
            fetched_now += 1
            if on_page:
                on_page(state.progress(label))
        # Counted from the list, not incremented: a notice stored just before a crash is skipped
        # on resume but must still be counted.
        w.update(done=True, items=len(set(w["notices"])), pages=1 + len(set(w["notices"])))
        w.pop("refresh", None)
        state.save()
        if on_page:
            on_page(state.progress(label))
        index += 1
    result = _result(state, directory, session, fetched_now, repairs)
    result.over_limit = [window_label(w) for w in state.active_windows() if w.get("over_limit")]
    return result


def _search_window(start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "start": as_utc(start).isoformat(),
        "end": as_utc(end).isoformat(),
        "searched": False,
        "hits": None,
        "notices": [],
        "items": 0,
        "pages": 0,
        "done": False,
        "split": False,
        "over_limit": False,
    }


def _search_body(search: NoticeSearch, w: dict[str, Any], keyword: str, awarded_only: bool) -> dict[str, Any]:
    criteria: dict[str, Any] = {
        "keyword": keyword,
        "publishedFrom": format_time(datetime.fromisoformat(w["start"]), search.time_format),
        "publishedTo": format_time(last_second(datetime.fromisoformat(w["end"])), search.time_format),
    }
    if awarded_only:
        criteria["statuses"] = ["Awarded"]
    return {"searchCriteria": criteria, "size": search.max_hits}


def _has_notice_id(entry: Any) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("item"), dict) and bool(entry["item"].get("id"))


def _result(state: HarvestState, directory: Path, session: PoliteSession, fetched_now: int,
            repairs: Counter) -> HarvestResult:
    snapshot = state.progress("")
    return HarvestResult(
        directory=directory,
        windows_total=snapshot.windows_total,
        windows_done=snapshot.windows_done,
        pages=snapshot.pages,
        items=snapshot.items,
        fetched_now=fetched_now,
        waits=list(session.waits),
        network_requests=session.network_requests,
        repairs=repairs,
    )


# --- single look-ups (Contracts Finder) -------------------------------------------------------


def fetch_release(lookups: Lookups, release_id: str, *, session: PoliteSession, raw_root: Path | None = None,
                  refresh: bool = False) -> Path:
    """Store the release package of one release id; return its path (kept if already stored, unless `refresh`)."""
    path = (raw_root or config.raw_dir()) / lookups.source / "lookups" / "releases" / f"{safe_filename(release_id)}.json"
    url = session.service.url(lookups.release_path.format(id=quote(release_id, safe="")))
    return _fetch_once(session, url, path, refresh)


def fetch_record(lookups: Lookups, ocid: str, *, session: PoliteSession, raw_root: Path | None = None,
                 refresh: bool = False) -> Path:
    """Store the record (package) of one ocid; return its path (kept if already stored, unless `refresh`)."""
    path = (raw_root or config.raw_dir()) / lookups.source / "lookups" / "records" / f"{safe_filename(ocid)}.json"
    return _fetch_once(session, session.service.url(lookups.record_path.format(ocid=quote(ocid, safe=""))), path, refresh)


def _fetch_once(session: PoliteSession, url: str, path: Path, refresh: bool) -> Path:
    if refresh or not path.exists():
        save_response(session.get(url, validate=require_json_object, refresh=refresh), path)
    return path
