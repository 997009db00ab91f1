"""The polite HTTP layer, against a real HTTP server on 127.0.0.1 that injects faults."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from dataclasses import replace
from datetime import datetime

import pytest

from localserver import FakeClock, FakeServices, NetworkBlocked, load_recorded, loopback_only  # noqa: F401
from spend.core.errors import SpendError
from spend.sources.errors import DeadlineExceeded, PageTooLarge
from spend.sources.http import FetchError, PoliteSession, read_provenance, save_response, user_agent
from spend.sources.limits import Limits, MiB
from spend.sources.services import Service
from spend.sources.harvest import require_json_object
from spend.sources.notice_apis import CONTRACTS_FINDER, FIND_A_TENDER


@pytest.fixture(scope="module")
def recorded():
    return load_recorded("ocds-1.1-award-2019-20")


@pytest.fixture
def server(recorded):
    with FakeServices(recorded, slow_seconds=1.0) as running:
        yield running


def contracts_finder(server: FakeServices, **changes) -> Service:
    """The real Contracts Finder policy, at the test server, with a short read timeout."""
    return replace(CONTRACTS_FINDER.at(server.base_url), timeout=(2.0, 0.4), **changes)


def find_a_tender(server: FakeServices, **changes) -> Service:
    return replace(FIND_A_TENDER.at(server.base_url), timeout=(2.0, 0.4), **changes)


def notice_url(server: FakeServices, index: int = 0) -> str:
    return f"{server.base_url}/Published/Notice/releases/{server.recorded[index].notice_id}.json"


def waits_except_pace(session: PoliteSession) -> list[float]:
    return [w.seconds for w in session.waits if w.reason != "pace"]


def test_user_agent_names_the_project(server):
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock) as session:
        session.get(notice_url(server))
    (hit,) = server.hits()
    assert hit.user_agent == user_agent()
    assert hit.user_agent.startswith("spend/")
    assert "UK public spending research" in hit.user_agent


def test_user_agent_carries_a_contact_when_configured(monkeypatch):
    monkeypatch.setenv("SPEND_HTTP_CONTACT", "data@example.org")
    assert "+data@example.org" in user_agent()


def test_contracts_finder_403_means_a_five_minute_pause(server):
    server.fail("cf-notice", "403", "403")
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock) as session:
        response = session.get(notice_url(server))
    assert response.content == server.recorded[0].body
    assert len(server.hits("cf-notice")) == 3
    assert waits_except_pace(session) == [300.0, 300.0]
    assert all("asks for a pause" in w.reason for w in session.waits)
    assert clock.slept == [300.0, 300.0]


def test_find_a_tender_429_waits_out_the_two_minute_window_and_paces_requests(server):
    server.fail("cf-notice", "429")
    clock = FakeClock()
    with PoliteSession(find_a_tender(server), sleep=clock.sleep, clock=clock) as session:
        session.get(notice_url(server, 0))
        session.get(notice_url(server, 1))
        session.get(notice_url(server, 2))
    assert [(w.seconds, w.reason.split(":")[0]) for w in session.waits] == [
        (120.0, "HTTP 429"),  # no Retry-After: a whole 2-minute window
        (10.0, "pace"),  # then 12 requests per 2 minutes: 10 s apart
        (10.0, "pace"),
    ]


def test_retry_after_is_honoured_when_sent(server):
    server.fail("cf-notice", "503+retry-after:7")
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock) as session:
        session.get(notice_url(server))
    assert waits_except_pace(session) == [7.0]
    assert session.waits[0].reason == "HTTP 503: Retry-After"


def test_server_errors_back_off_exponentially(server):
    server.fail("cf-notice", "500", "503", "500", "503")
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock) as session:
        response = session.get(notice_url(server))
    assert response.status_code == 200
    assert waits_except_pace(session) == [2.0, 4.0, 8.0, 16.0]


def test_gives_up_with_a_clear_error_after_the_last_try(server):
    server.fail("cf-notice", *["500"] * 6)
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock) as session:
        with pytest.raises(FetchError) as caught:
            session.get(notice_url(server))
    assert isinstance(caught.value, SpendError)
    assert str(caught.value).startswith(notice_url(server))
    assert "HTTP 500; gave up after 6 tries" in str(caught.value)
    assert len(server.hits("cf-notice")) == 6


def test_reset_truncated_slow_and_html_answers_are_retried(server):
    server.fail("cf-notice", "reset", "truncate", "truncate-nolength", "slow", "html200")
    clock = FakeClock()
    started = time.monotonic()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock) as session:
        response = session.get(notice_url(server), validate=require_json_object)
    assert response.content == server.recorded[0].body
    assert [h.fault for h in server.hits("cf-notice")] == ["reset", "truncate", "truncate-nolength", "slow", "html200", "ok"]
    assert waits_except_pace(session) == [2.0, 4.0, 8.0, 16.0, 32.0]
    reasons = [w.reason for w in session.waits if w.reason != "pace"]
    assert "ConnectionResetError" in reasons[0]
    assert "ChunkedEncodingError" in reasons[1] and "IncompleteRead" in reasons[1]
    assert "unusable body (not JSON" in reasons[2] and "unusable body (not JSON" in reasons[4]
    assert "ReadTimeout" in reasons[3]
    assert time.monotonic() - started < 5  # the slow answer was cut off by the read timeout


def test_post_is_retried_where_the_service_says_it_is_safe(server):
    body = {"searchCriteria": {"keyword": "school", "publishedFrom": "2019-01-01T00:00:00", "publishedTo": "2019-12-31T23:59:59"}, "size": 1000}
    url = f"{server.base_url}/api/rest/2/search_notices/json"
    server.fail("cf-notice-search", "503")
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock) as session:
        answer = session.post(url, json=body).json()
    assert "hitCount" in answer
    assert [h.fault for h in server.hits("cf-notice-search")] == ["503", "ok"]
    assert server.hits("cf-notice-search")[0].body == body

    server.fail("cf-notice-search", "503")
    get_only = find_a_tender(server)  # Find a Tender's policy repeats GET only
    with PoliteSession(get_only, sleep=clock.sleep, clock=clock) as session:
        with pytest.raises(FetchError, match="POST requests are not repeated"):
            session.post(url, json=body)
    assert len(server.hits("cf-notice-search")) == 3


def test_client_errors_are_not_retried(server):
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock) as session:
        with pytest.raises(FetchError) as caught:
            session.get(f"{server.base_url}/Published/Notice/releases/no-such-notice.json")
    assert caught.value.status == 404
    assert len(server.hits()) == 1


def test_cache_means_a_rerun_does_not_ask_the_service_again(server, tmp_path):
    cache = tmp_path / "cache" / "cf.sqlite"
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), cache_path=cache, sleep=clock.sleep, clock=clock) as first:
        original = first.get(notice_url(server)).content
    with PoliteSession(contracts_finder(server), cache_path=cache, sleep=clock.sleep, clock=clock) as second:
        again = second.get(notice_url(server))
    assert again.content == original == server.recorded[0].body
    assert again.from_cache
    assert len(server.hits()) == 1
    assert second.network_requests == 0
    assert second.waits == []  # no pacing for an answer that never touches the network


def test_a_body_cut_short_is_not_kept_in_the_cache(server, tmp_path):
    cache = tmp_path / "cf.sqlite"
    server.fail("cf-notice", "truncate-nolength")
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), cache_path=cache, sleep=clock.sleep, clock=clock) as first:
        assert first.get(notice_url(server), validate=require_json_object).content == server.recorded[0].body
    with PoliteSession(contracts_finder(server), cache_path=cache, sleep=clock.sleep, clock=clock) as second:
        cached = second.get(notice_url(server), validate=require_json_object)
    assert cached.from_cache and cached.content == server.recorded[0].body
    assert len(server.hits()) == 2


def test_an_answer_dripped_a_byte_at_a_time_meets_the_deadline(server):
    """Each byte comes well within the 0.4 s read timeout, so only the deadline on the whole answer can
    end it; it is cut while the headers are still arriving, and not tried again."""
    server.fail("cf-notice", "drip")  # 0.2 s a byte: this answer would take over 20 s
    url = f"{server.base_url}/Published/Notice/releases/no-such-notice.json"
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock,
                       limits=Limits(max_bytes=MiB, deadline=1.0)) as session:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as caught:
            session.get(url)
        took = time.monotonic() - started
    assert str(caught.value) == (f"{url}: no complete answer within the 1-second deadline (connecting, headers and "
                                 "body); gave up, nothing kept")
    assert 1.0 <= took < 3.0
    assert len(server.hits("cf-notice")) == 1


def test_an_answer_over_the_size_limit_is_refused_not_retried_and_not_cached(server, tmp_path):
    cache = tmp_path / "cf.sqlite"
    clock = FakeClock()
    small = Limits(max_bytes=1000, deadline=60.0)
    assert len(server.recorded[0].body) > 1000
    with PoliteSession(contracts_finder(server), cache_path=cache, sleep=clock.sleep, clock=clock, limits=small) as session:
        with pytest.raises(PageTooLarge, match="the body is over the 1,000-byte limit"):
            session.get(notice_url(server))
    assert len(server.hits("cf-notice")) == 1
    with PoliteSession(contracts_finder(server), cache_path=cache, sleep=clock.sleep, clock=clock) as session:
        answer = session.get(notice_url(server))  # within the default limits
    assert not answer.from_cache and answer.content == server.recorded[0].body
    assert len(server.hits("cf-notice")) == 2


def test_refresh_asks_the_service_past_the_cache_and_replaces_its_answer(server, tmp_path):
    cache = tmp_path / "cf.sqlite"
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), cache_path=cache, sleep=clock.sleep, clock=clock) as session:
        session.get(notice_url(server))
        assert session.get(notice_url(server)).from_cache
        refreshed = session.get(notice_url(server), refresh=True)
        assert not refreshed.from_cache and refreshed.content == server.recorded[0].body
        assert session.network_requests == 2 and [w.reason for w in session.waits] == ["pace"]  # paced: not cached
        assert session.get(notice_url(server)).from_cache
    assert len(server.hits("cf-notice")) == 2


def _hammer(sessions: list[PoliteSession], server: FakeServices) -> None:
    barrier = threading.Barrier(len(sessions))

    def work(session: PoliteSession, offset: int) -> None:
        barrier.wait()
        for index in range(4):
            session.get(notice_url(server, offset + index))

    threads = [threading.Thread(target=work, args=(s, 10 * i)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_one_request_at_a_time_per_host(recorded):
    with FakeServices(recorded, delay=0.05) as server:
        service = contracts_finder(server, min_interval=0.0)
        shared_clock = FakeClock()
        sessions = [PoliteSession(service, sleep=shared_clock.sleep, clock=shared_clock) for _ in range(2)]
        _hammer(sessions, server)
        assert len(server.hits()) == 8
        assert server.max_in_flight == 1


def test_the_concurrency_check_can_see_overlap(recorded):
    # Control for the test above: sessions on different clocks do not share a gate, so their
    # requests overlap - which shows that `max_in_flight == 1` above is a real observation.
    with FakeServices(recorded, delay=0.1) as server:
        service = contracts_finder(server, min_interval=0.0)
        sessions = [PoliteSession(service, sleep=c.sleep, clock=c) for c in (FakeClock(), FakeClock())]
        _hammer(sessions, server)
        assert server.max_in_flight == 2


def test_waits_are_slept_for_real_when_scaled(server):
    server.fail("cf-notice", "403")
    started = time.monotonic()
    with PoliteSession(contracts_finder(server), wait_scale=0.001) as session:
        session.get(notice_url(server))
    elapsed = time.monotonic() - started
    (pause,) = [w for w in session.waits if w.reason != "pace"]
    assert 299.0 < pause.seconds <= 300.0  # asked for five minutes...
    assert 0.29 < elapsed < 5.0  # ...and slept 300 x 0.001 s


def test_wait_scale_comes_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
    server.fail("cf-notice", "403")
    started = time.monotonic()
    with PoliteSession(contracts_finder(server)) as session:
        session.get(notice_url(server))
    assert waits_except_pace(session) and waits_except_pace(session)[0] > 299
    assert time.monotonic() - started < 2.0


def test_save_response_writes_bytes_and_provenance_atomically(server, tmp_path):
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), sleep=clock.sleep, clock=clock) as session:
        response = session.get(notice_url(server))
    target = tmp_path / "raw" / "page-0001.json"
    record = save_response(response, target)
    assert target.read_bytes() == server.recorded[0].body
    meta = read_provenance(target)
    assert meta == json.loads((tmp_path / "raw" / "page-0001.json.meta.json").read_text())
    assert meta["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest() == record.sha256
    assert meta["url"] == notice_url(server)
    assert meta["status"] == 200 and meta["size"] == len(server.recorded[0].body)
    assert datetime.fromisoformat(meta["fetched_at"]).tzinfo is not None
    assert meta["content_type"].startswith("application/json")
    assert sorted(os.listdir(target.parent)) == ["page-0001.json", "page-0001.json.meta.json"]


@pytest.mark.slow
def test_provenance_of_a_cached_answer_keeps_the_first_fetch_time(server, tmp_path):
    cache = tmp_path / "cf.sqlite"
    clock = FakeClock()
    with PoliteSession(contracts_finder(server), cache_path=cache, sleep=clock.sleep, clock=clock) as session:
        first = save_response(session.get(notice_url(server)), tmp_path / "a.json")
        time.sleep(1.1)
        second = save_response(session.get(notice_url(server)), tmp_path / "b.json")
    assert second.from_cache and not first.from_cache
    gap = datetime.fromisoformat(second.fetched_at) - datetime.fromisoformat(first.fetched_at)
    assert abs(gap.total_seconds()) <= 1
    assert second.sha256 == first.sha256


def test_tests_cannot_reach_beyond_loopback():
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("www.contractsfinder.service.gov.uk", 443)
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    clock = FakeClock()
    with PoliteSession(CONTRACTS_FINDER, sleep=clock.sleep, clock=clock) as session:
        with pytest.raises(FetchError, match="only 127.0.0.1 is allowed"):
            session.get(CONTRACTS_FINDER.url("/Published/Notices/OCDS/Search"))
    assert session.network_requests == CONTRACTS_FINDER.max_attempts
