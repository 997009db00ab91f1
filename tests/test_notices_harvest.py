"""Harvests end to end against a real HTTP server on 127.0.0.1 serving the recorded bodies,
with faults injected, interruptions, a killed process and resumes."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from localserver import FakeClock, FakeServices, Recorded, load_recorded, load_records, loopback_only  # noqa: F401
from spend.cli import main
from spend.sources.http import PoliteSession, read_provenance
from spend.notices import build_tables
from spend.notices.decode import load_json
from spend.sources.harvest import HarvestError, HarvestState, fetch_record, fetch_release, harvest_feed, harvest_search
from spend.sources.notice_apis import (
    CONTRACTS_FINDER,
    CONTRACTS_FINDER_FEED,
    CONTRACTS_FINDER_LOOKUPS,
    CONTRACTS_FINDER_SEARCH,
    FIND_A_TENDER,
    FIND_A_TENDER_FEED,
)

TESTS = Path(__file__).parent


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def awards_2019():
    return load_recorded("ocds-1.1-award-2019-20")  # 50 releases, 2017-11 to 2020-04, all at midnight


@pytest.fixture(scope="module")
def tenders_2015():
    return load_recorded("ocds-1.0-tender-2017")  # 200 releases, 2014-12-17 to 2015-02-10


def quick(service):
    """The real service policy with a read timeout short enough for the 'slow' fault."""
    return replace(service, timeout=(2.0, 0.4))


def cf_feed(server: FakeServices):
    return replace(CONTRACTS_FINDER_FEED, service=quick(CONTRACTS_FINDER.at(server.base_url)))


def fts_feed(server: FakeServices):
    return replace(FIND_A_TENDER_FEED, service=quick(FIND_A_TENDER.at(server.base_url)))


def fake_session(service, clock: FakeClock | None = None, **kwargs) -> PoliteSession:
    clock = clock or FakeClock()
    return PoliteSession(service, sleep=clock.sleep, clock=clock, **kwargs)


def stored_releases(directory: Path) -> Counter:
    """(ocid, release id) of every release in every stored page, counted (pages read as the build reads them)."""
    found: Counter = Counter()
    for page in sorted(directory.rglob("page-*.json")):
        if page.name.endswith(".meta.json"):
            continue
        for release in load_json(page.read_bytes())["releases"]:
            found[(release["ocid"], release["id"])] += 1
    return found


def keys(recorded: list[Recorded]) -> Counter:
    return Counter((r.ocid, r.release_id) for r in recorded)


def expected_pages(server: FakeServices, start: datetime, end: datetime, window: timedelta, limit: int) -> int:
    pages, moment = 0, start
    while moment < end:
        stop = min(moment + window, end)
        pages += max(1, math.ceil(len(server.releases_between(moment, stop)) / limit))
        moment = stop
    return pages


def test_contracts_finder_harvest_survives_every_fault_and_stores_each_release_once(awards_2019, tmp_path):
    start, end, window, limit = utc(2019, 1, 1), utc(2020, 1, 1), timedelta(days=30), 3
    with FakeServices(awards_2019, slow_seconds=1.0) as server:
        server.fail(
            "cf-search",
            "403", "403", "ok",  # rate limited for a while
            "500", "reset", "ok",
            "truncate", "slow", "503", "ok",
            "truncate-nolength", "html200", "429", "ok",
        )
        clock = FakeClock()
        with fake_session(cf_feed(server).service, clock) as session:
            result = harvest_feed(cf_feed(server), start, end, session=session, raw_root=tmp_path, window=window, limit=limit)
        expected = server.releases_between(start, end)

    assert len(expected) == 29
    assert stored_releases(result.directory) == keys(expected)  # every release, each exactly once
    assert (result.windows_done, result.windows_total) == (13, 13)
    assert result.items == 29 and result.pages == expected_pages(server, start, end, window, limit)
    assert len(server.hits("cf-search", fault="ok")) == result.pages
    # Contracts Finder: five minutes after each 403, otherwise exponential backoff per request.
    assert [w.seconds for w in session.waits if w.reason != "pace"] == [300, 300, 2, 4, 2, 4, 8, 2, 4, 8]
    assert {w.seconds for w in session.waits if w.reason == "pace"} == {1.0}
    # Windows are asked for as [start, end - 1 s]: releases dated exactly midnight fall in one window.
    first = server.hits("cf-search")[0].query
    assert (first["publishedFrom"], first["publishedTo"], first["limit"]) == ("2019-01-01T00:00:00", "2019-01-30T23:59:59", "3")
    # Each page is stored with its URL and sha256, and the checkpoint says every window is done.
    page = next(result.directory.rglob("page-0001.json"))
    assert read_provenance(page)["url"].startswith(server.base_url + "/Published/Notices/OCDS/Search?")
    state = json.loads((result.directory / "state.json").read_text())
    assert all(w["done"] and w["next"] is None for w in state["windows"])
    built = build_tables([result.directory])
    assert len(built.notices) == 29 and built.report.duplicate_releases == 0
    assert built.notices.source_url.str.startswith(server.base_url).all()


@pytest.mark.slow
def test_find_a_tender_harvest_waits_as_the_service_asks(tenders_2015, tmp_path):
    start, end = utc(2014, 12, 15), utc(2015, 2, 15)
    with FakeServices(tenders_2015) as server:
        server.fail("fts-search", "429", "429", "ok", "503")
        with fake_session(fts_feed(server).service) as session:
            result = harvest_feed(fts_feed(server), start, end, session=session, raw_root=tmp_path, limit=10)
        expected = server.releases_between(start, end)

    assert len(expected) == 200
    assert stored_releases(result.directory) == keys(expected)
    assert result.windows_total == 62 * 4  # six-hour windows
    hit = server.hits("fts-search")[0]
    assert (hit.query["updatedFrom"], hit.query["updatedTo"]) == ("2014-12-15T00:00:00", "2014-12-15T05:59:59")
    # 429 without Retry-After: wait out a whole 2-minute window; otherwise 10 s between requests
    # (12 a minute... per 2 minutes), which also covers the short backoff after the 503.
    assert [w.seconds for w in session.waits if w.reason != "pace"] == [120, 120]
    pace = [w.seconds for w in session.waits if w.reason == "pace"]
    assert set(pace) == {10.0} and len(pace) == session.network_requests - 1 - 2


def test_keyword_search_splits_windows_over_the_hit_limit(awards_2019, tmp_path):
    start, end = utc(2018, 1, 1), utc(2020, 6, 1)
    with FakeServices(awards_2019, max_hits=4) as server:
        server.fail("cf-notice-search", "503")
        server.fail("cf-notice", "403")
        search = replace(CONTRACTS_FINDER_SEARCH.at(server.base_url), max_hits=4)
        with fake_session(search.service) as session:
            result = harvest_search(search, start, end, keyword="Framework", session=session, raw_root=tmp_path, window=timedelta(days=365))
        expected = server.matching("framework", start, end)

    assert len(expected) == 21 > 4
    stored = sorted(p.name for p in (result.directory / "notices").glob("*.json") if not p.name.endswith(".meta.json"))
    assert stored == sorted(f"{r.notice_id}.json" for r in expected)
    for recorded in expected:  # the notice packages are the recorded bodies, byte for byte
        assert (result.directory / "notices" / f"{recorded.notice_id}.json").read_bytes() == recorded.body
    state = json.loads((result.directory / "state.json").read_text())
    assert sum(w["split"] for w in state["windows"]) >= 3
    assert all(w["hits"] <= 4 for w in state["windows"] if not w["split"])
    assert result.over_limit == [] and result.items == 21
    bodies = [h.body for h in server.hits("cf-notice-search")]
    assert bodies[0] == bodies[1]  # the 503 was retried with the same POST
    assert bodies[0] == {"searchCriteria": {"keyword": "Framework", "publishedFrom": "2018-01-01T00:00:00", "publishedTo": "2018-12-31T23:59:59"}, "size": 4}
    assert [w.seconds for w in session.waits if w.reason != "pace"] == [2.0, 300.0]
    built = build_tables([result.directory])
    assert len(built.notices) == 21
    searches = [p for p in (result.directory / "search").glob("*.json") if not p.name.endswith(".meta.json")]
    assert len(searches) == len(state["windows"])  # one stored answer per window searched, split or not
    assert sorted(p for p, _ in built.report.files_not_ocds) == sorted(map(str, searches))


def test_a_window_still_over_the_limit_is_reported(awards_2019, tmp_path):
    with FakeServices(awards_2019, max_hits=1) as server:
        search = replace(CONTRACTS_FINDER_SEARCH.at(server.base_url), max_hits=1, min_window=timedelta(days=400))
        with fake_session(search.service) as session:
            result = harvest_search(search, utc(2019, 1, 1), utc(2020, 1, 1), keyword="framework", session=session, raw_root=tmp_path, window=timedelta(days=365))
    assert result.over_limit == ["20190101T000000-20200101T000000"]
    assert result.items == 1


def test_interrupted_harvest_resumes_without_duplicates_or_losses(awards_2019, tmp_path):
    start, end, window, limit = utc(2018, 1, 1), utc(2020, 6, 1), timedelta(days=60), 2
    with FakeServices(awards_2019) as server:
        feed = cf_feed(server)

        def stop_after_five(progress):
            if progress.pages == 5:
                raise KeyboardInterrupt

        with fake_session(feed.service) as session, pytest.raises(KeyboardInterrupt):
            harvest_feed(feed, start, end, session=session, raw_root=tmp_path, window=window, limit=limit, on_page=stop_after_five)
        assert len(server.hits("cf-search")) == 5
        with fake_session(feed.service) as session:
            result = harvest_feed(feed, start, end, session=session, raw_root=tmp_path, window=window, limit=limit)
        expected = server.releases_between(start, end)
        assert stored_releases(result.directory) == keys(expected)
        assert len(expected) == 49 and result.fetched_now == result.pages - 5
        # No page was asked for twice (no cache here: every page is a real request).
        urls = [h.url for h in server.hits("cf-search")]
        assert len(urls) == len(set(urls)) == result.pages

        # A finished harvest run again asks nothing.
        with fake_session(feed.service) as session:
            again = harvest_feed(feed, start, end, session=session, raw_root=tmp_path, window=window, limit=limit)
        assert again.fetched_now == 0 and session.network_requests == 0
        assert len(server.hits("cf-search")) == result.pages


def test_crash_between_storing_a_page_and_the_checkpoint(awards_2019, tmp_path, monkeypatch):
    start, end, window, limit = utc(2019, 6, 1), utc(2020, 6, 1), timedelta(days=90), 2
    saves = {"count": 0}
    real_save = HarvestState.save

    def crash_on_fourth_save(self):
        saves["count"] += 1
        if saves["count"] == 4:  # the page is on disk, the checkpoint is not updated
            raise ConnectionError("network lost")
        real_save(self)

    with FakeServices(awards_2019) as server:
        feed = cf_feed(server)
        monkeypatch.setattr(HarvestState, "save", crash_on_fourth_save)
        with fake_session(feed.service) as session, pytest.raises(ConnectionError):
            harvest_feed(feed, start, end, session=session, raw_root=tmp_path, window=window, limit=limit)
        monkeypatch.setattr(HarvestState, "save", real_save)
        with fake_session(feed.service) as session:
            result = harvest_feed(feed, start, end, session=session, raw_root=tmp_path, window=window, limit=limit)
        expected = server.releases_between(start, end)
        urls = Counter(h.url for h in server.hits("cf-search"))
    assert stored_releases(result.directory) == keys(expected)
    assert len(urls) == result.pages
    assert sorted(urls.values())[-2:] == [1, 2]  # just the uncheckpointed page was asked again


@pytest.mark.slow
def test_killed_process_resumes(awards_2019, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    arguments = [
        "notices", "fetch", "--source", "contracts-finder", "--from", "2018-01-01", "--to", "2020-05-31",
        "--window-hours", str(24 * 45), "--limit", "2", "--raw-dir", str(raw), "--no-cache",
    ]
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from localserver import install_loopback_guard; install_loopback_guard();"
        "from spend.cli import main; sys.exit(main(sys.argv[2:]))"
    )
    with FakeServices(awards_2019, delay=0.05) as server:
        env = dict(os.environ, SPEND_HTTP_WAIT_SCALE="0")
        process = subprocess.Popen(
            [sys.executable, "-c", script, str(TESTS), *arguments, "--base-url", server.base_url],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                states = list(raw.rglob("state.json"))
                if states and sum(w["pages"] for w in json.loads(states[0].read_text())["windows"]) >= 6:
                    break
                time.sleep(0.01)
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
        pages_before = sum(w["pages"] for w in json.loads(states[0].read_text())["windows"])
        assert 6 <= pages_before < 25

        from spend.cli import main

        server.delay = 0
        monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
        assert main([*arguments, "--base-url", server.base_url]) == 0
        expected = server.releases_between(utc(2018, 1, 1), utc(2020, 6, 1))
        urls = Counter(h.url for h in server.hits("cf-search"))
    (directory,) = [p.parent for p in raw.rglob("state.json")]
    assert stored_releases(directory) == keys(expected)
    assert max(urls.values()) <= 2  # at most the page in flight at the kill was asked twice
    assert sum(urls.values()) - len(urls) <= 1


@pytest.mark.slow
def test_a_rerun_from_the_cache_does_not_touch_the_network(awards_2019, tmp_path):
    start, end = utc(2019, 9, 1), utc(2019, 12, 1)
    cache = tmp_path / "cache.sqlite"
    with FakeServices(awards_2019) as server:
        feed = cf_feed(server)
        with fake_session(feed.service, cache_path=cache) as session:
            first = harvest_feed(feed, start, end, session=session, raw_root=tmp_path / "a", limit=3)
        hits = len(server.hits())
        with fake_session(feed.service, cache_path=cache) as session:
            second = harvest_feed(feed, start, end, session=session, raw_root=tmp_path / "b", limit=3)
        assert session.network_requests == 0 and len(server.hits()) == hits
        expected = server.releases_between(start, end)
    assert stored_releases(second.directory) == stored_releases(first.directory) == keys(expected)
    assert len(expected) == 17


def test_single_release_and_record_look_ups(awards_2019, tmp_path):
    records = load_records()
    ocid = sorted(records)[0]
    with FakeServices(awards_2019, records) as server:
        server.fail("cf-release", "503")
        lookups = CONTRACTS_FINDER_LOOKUPS.at(server.base_url)
        with fake_session(lookups.service) as session:
            release_path = fetch_release(lookups, awards_2019[0].release_id, session=session, raw_root=tmp_path)
            record_path = fetch_record(lookups, ocid, session=session, raw_root=tmp_path)
            fetch_record(lookups, ocid, session=session, raw_root=tmp_path)  # already stored: not asked again
        assert len(server.hits("cf-record")) == 1 and len(server.hits("cf-release")) == 2
    assert release_path.read_bytes() == awards_2019[0].body
    assert record_path.read_bytes() == records[ocid]
    built = build_tables([tmp_path])
    assert sorted(built.notices.ocid) == sorted([awards_2019[0].ocid, ocid])


def test_dirty_bytes_from_the_service_do_not_stop_the_harvest(awards_2019, tmp_path):
    release = {
        "ocid": "ocds-b5fd17-dirty", "id": "ocds-b5fd17-dirty-1", "date": "2016-03-01T00:00:00Z", "tag": ["award"],
        "tender": {"title": "Dirty framework"}, "awards": [{"id": "a", "value": {"amount": 1}, "suppliers": []}],
    }
    body = (
        b'{"uri": "https://www.contractsfinder.service.gov.uk/Published/Notice/releases/dirty.json", "releases": ['
        b'{"ocid": "ocds-b5fd17-dirty", "id": "ocds-b5fd17-dirty-1", "date": "2016-03-01T00:00:00Z", "tag": ["award"],'
        b' "tender": {"title": "Dirty framework for Caf\xe9s &amp; bars<br/>", "value": {"amount": NaN}},'
        b' "awards": [{"id": "a", "value": {"amount": 1e9999, "currency": "GBP"}, "suppliers": []}]}]}'
    )
    dirty = Recorded(Path("dirty.json"), body, release, "dirty")
    with FakeServices([*awards_2019, dirty]) as server:
        search = CONTRACTS_FINDER_SEARCH.at(server.base_url)
        with fake_session(search.service) as session:
            result = harvest_search(search, utc(2016, 1, 1), utc(2016, 6, 1), keyword="framework", session=session, raw_root=tmp_path)
    assert result.items == 1
    assert (result.directory / "notices" / "dirty.json").read_bytes() == body  # stored as received
    built = build_tables([result.directory])
    assert built.notices.title.tolist() == ["Dirty framework for Cafés & bars"]
    assert built.awards.value_amount_raw.tolist() == ["1E+9999"] and built.awards.value_amount.tolist() == [None]
    assert {k: built.report.repairs[k] for k in ("invalid_bytes", "html_entities", "line_breaks", "non_finite_number", "amount_out_of_range")} == {
        "invalid_bytes": 1, "html_entities": 1, "line_breaks": 1, "non_finite_number": 1, "amount_out_of_range": 1,
    }


def test_a_checkpoint_for_other_parameters_is_refused(tmp_path):
    path = tmp_path / "state.json"
    HarvestState.open(path, {"limit": 3}, [])
    with pytest.raises(HarvestError, match="checkpoint was written for other parameters"):
        HarvestState.open(path, {"limit": 4}, [])


def test_cursors_are_followed_only_on_the_configured_host(awards_2019, tmp_path):
    # links.next names the real service; the harvest keeps talking to the address it was given.
    with FakeServices(awards_2019) as server:
        real_next = server._feed_page

        def page_pointing_elsewhere(route, query, url):
            answer = real_next(route, query, url)
            package = json.loads(answer.body)
            if "links" in package:
                package["links"]["next"] = package["links"]["next"].replace(server.base_url, "https://www.contractsfinder.service.gov.uk")
            answer.body = json.dumps(package).encode()
            return answer

        server._feed_page = page_pointing_elsewhere
        with fake_session(cf_feed(server).service) as session:
            result = harvest_feed(cf_feed(server), utc(2019, 1, 1), utc(2020, 1, 1), session=session, raw_root=tmp_path, window=timedelta(days=365), limit=5)
        assert result.pages == 6 and len(server.hits("cf-search")) == 6


# --- what the services really send, and windows they are still publishing into ------------------


def made_releases(count: int, first: datetime, tag: str, *, amounts: list | None = None) -> list[Recorded]:
    """`count` award releases a minute apart from `first`, with ids of their own (`tag` tells batches apart)."""
    made = []
    for n in range(count):
        ocid = f"ocds-b5fd17-{tag}-{n:04d}"
        amount = amounts[n] if amounts else 1000 + n
        release = {
            "ocid": ocid, "id": f"{ocid}-1", "date": (first + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tag": ["award"], "tender": {"title": f"Made release {tag} {n}"},
            "awards": [{"id": f"{ocid}-a", "value": {"amount": amount, "currency": "GBP"}, "suppliers": []}],
        }
        made.append(Recorded(Path(f"{ocid}.json"), json.dumps({"releases": [release]}).encode(), release, ocid))
    return made


def test_find_a_tender_numbers_with_leading_zeros_are_repaired_not_retried(tenders_2015, tmp_path):
    """Find a Tender sends numbers such as `"amount": 000`, which JSON does not allow: the page is kept
    as received, read with the numbers repaired, each repair counted, and never asked for again."""
    start, end = utc(2014, 12, 17, 12), utc(2014, 12, 17, 18)  # one six-hour window
    zeros = made_releases(2, utc(2014, 12, 17, 17), "zeros", amounts=[0, 7.5])
    with FakeServices([*tenders_2015, *zeros]) as server:
        server.rewrite("fts-search", lambda body: re.sub(rb'"amount": (?=\d)', b'"amount": 00', body))
        with fake_session(fts_feed(server).service) as session:
            result = harvest_feed(fts_feed(server), start, end, session=session, raw_root=tmp_path, limit=100)
        expected = server.releases_between(start, end)
        hits = server.hits("fts-search")

    amounts = sum(len(re.findall(r'"amount": \d', json.dumps(r.release))) for r in expected)
    assert len(expected) == 102 and amounts == 102
    assert len(hits) == result.pages == 2  # each page kept the first time, not retried
    last = next(result.directory.rglob("page-0002.json")).read_bytes()
    assert b'"amount": 000,' in last and b'"amount": 007.5,' in last  # stored as received
    assert stored_releases(result.directory) == keys(expected)
    assert result.repairs == Counter({"number_leading_zeros": amounts})
    built = build_tables([result.directory])
    assert built.report.repairs["number_leading_zeros"] == amounts
    made = built.awards.set_index("ocid").loc[[r.ocid for r in zeros]]
    assert made.value_amount.tolist() == [Decimal("0.00"), Decimal("7.50")]


def test_a_recent_window_asked_again_gets_what_the_service_published_since(awards_2019, tmp_path):
    """A window that ended yesterday is still being published into: its answers stay in the cache for a
    short while only (two seconds here, an hour in real use), then the service is asked again."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = today - timedelta(days=1), today
    first, later = made_releases(100, start + timedelta(hours=1), "first"), made_releases(150, start + timedelta(hours=6), "later")
    cache = tmp_path / "cache.sqlite"
    with FakeServices(first) as server:
        feed = replace(cf_feed(server), provisional_cache=timedelta(seconds=2))
        with fake_session(feed.service, cache_path=cache) as session:
            one = harvest_feed(feed, start, end, session=session, raw_root=tmp_path / "one")
        server.publish(later)
        with fake_session(feed.service, cache_path=cache) as session:
            two = harvest_feed(feed, start, end, session=session, raw_root=tmp_path / "two")
        assert session.network_requests == 0  # asked again at once: the cache still answers
        time.sleep(2.1)
        with fake_session(feed.service, cache_path=cache) as session:
            three = harvest_feed(feed, start, end, session=session, raw_root=tmp_path / "three")
        hits = len(server.hits("cf-search"))

    assert (one.items, one.pages, two.items) == (100, 1, 100)
    assert (three.items, three.pages) == (250, 3) and session.network_requests == 3
    assert stored_releases(three.directory) == keys(first + later)
    assert hits == 1 + 3


def test_an_old_window_stays_cached_and_refresh_asks_again(awards_2019, tmp_path, capsys, monkeypatch):
    """Through `spend notices fetch`: a window of 2019 has settled, so its cached answer is used for good,
    even when the service has since published more into it (as it may, rarely); `--refresh` asks again,
    replacing what the harvest stored."""
    first, later = made_releases(100, utc(2019, 3, 5, 1), "first"), made_releases(150, utc(2019, 3, 5, 9), "later")
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
    with FakeServices(first) as server:

        def fetch(raw: str, *extra: str) -> int:
            return main(["notices", "fetch", "--source", "contracts-finder", "--from", "2019-03-05", "--to", "2019-03-05",
                         "--raw-dir", str(tmp_path / raw), "--cache", str(tmp_path / "cf.sqlite"),
                         "--base-url", server.base_url, *extra])

        assert fetch("one") == 0
        server.publish(later)
        assert fetch("two") == 0  # another harvest of the same window: from the cache
        assert len(server.hits("cf-search")) == 1
        assert fetch("one", "--refresh") == 0
        assert len(server.hits("cf-search")) == 1 + 3
        assert fetch("three") == 0  # the refreshed answers replaced the cached ones
        assert len(server.hits("cf-search")) == 1 + 3
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 1)[1].rsplit(",", 1)[0] for line in out] == [
        "1/1 windows, 1 pages, 100 items (1 pages this run, 1 requests",
        "1/1 windows, 1 pages, 100 items (1 pages this run, 0 requests",
        "1/1 windows, 3 pages, 250 items (3 pages this run, 3 requests",
        "1/1 windows, 3 pages, 250 items (3 pages this run, 0 requests",
    ]
    for raw, releases in (("one", first + later), ("two", first), ("three", first + later)):
        (directory,) = (tmp_path / raw / "contracts-finder").iterdir()
        assert stored_releases(directory) == keys(releases)


def test_a_refreshed_window_with_fewer_pages_keeps_no_pages_of_the_earlier_harvest(awards_2019, tmp_path):
    """Releases edited since move to a later window, so a window can shrink: the pages left over from
    the earlier harvest of it are removed with their provenance, and the checkpoint matches the folder."""
    start, end = utc(2019, 3, 5), utc(2019, 3, 6)
    releases = made_releases(5, utc(2019, 3, 5, 1), "shrink")
    with FakeServices(releases) as server:
        feed = cf_feed(server)
        with fake_session(feed.service) as session:
            before = harvest_feed(feed, start, end, session=session, raw_root=tmp_path, limit=2)
        server.recorded = releases[:2]
        with fake_session(feed.service) as session:
            after = harvest_feed(feed, start, end, session=session, raw_root=tmp_path, limit=2, refresh=True)
    assert (before.pages, after.pages, after.items) == (3, 1, 2)
    assert files_in(after.directory) == ["20190305T000000-20190306T000000/page-0001.json",
                                         "20190305T000000-20190306T000000/page-0001.json.meta.json", "state.json"]
    assert stored_releases(after.directory) == keys(releases[:2])
    assert "refresh" not in json.loads((after.directory / "state.json").read_text())["windows"][0]


def files_in(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())
