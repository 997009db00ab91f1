"""Downloading one file: safe names, sniffing, size limits, conditional GET, atomic writes.

Against a real HTTP server on 127.0.0.1 (tests/localserver.py) serving real corpus files."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings, strategies as st

from localserver import FakePublisherSite, SiteResource, files_under, loopback_only, sha256  # noqa: F401
from spend.sources.download import (
    FileLink,
    RawIndex,
    SessionPool,
    _ShortBody,
    _Spool,
    download_file,
    name_for,
    safe_file_name,
    sniff_format,
)
from spend.sources.errors import FileTooLarge, NotADataFile
from spend.sources.limits import Limits, MiB
from spend.core.periods import Period

SLUG = "test-trust"
APRIL = "nhs-london-2020-21/CROY/CROY 01 - April.csv"
MAY_XLSX = "nhs-london-2020-21/NMID/NMID 02 - May.xlsx"


@pytest.fixture
def site():
    with FakePublisherSite() as running:
        yield running


@pytest.fixture
def pool():
    with SessionPool(wait_scale=0) as p:
        yield p


def fetch(site: FakePublisherSite, pool: SessionPool, raw: Path, path: str, *, text: str = "April 2020",
          period: Period | None = Period.month(2020, 4), **kw):
    link = FileLink(site.url(path), text, period, site.url("/spend"), site.url("/spend"))
    return download_file(pool.for_url(link.url), link, SLUG, raw, RawIndex(raw, SLUG), **kw)


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("given_name, expected", [
    ("CROY 06 - Spetember.csv", "CROY 06 - Spetember.csv"),
    ("BIS_spending_over__25_000_July_2014.csv", "BIS_spending_over__25_000_July_2014.csv"),
    ("../../etc/passwd", "passwd"),
    ("..%2F..%2Fetc%2Fpasswd", "passwd"),
    ("%2e%2e%2f%2e%2e%2fcron.d", "cron.d"),
    ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
    ("a/b/../c.csv", "c.csv"),
    ("..", "file"),
    (".", "file"),
    ("", "file"),
    (None, "file"),
    ("///", "file"),
    (".htaccess", "htaccess"),
    ("  .. spaced ..  ", "spaced"),
    ("CON.csv", "_CON.csv"),
    ("nul", "_nul"),
    ("a\x00b\x1fc.csv", "abc.csv"),
    ("%00evil%0d%0a.csv", "evil.csv"),
    ("name\u202ecod.csv", "namecod.csv"),  # a right-to-left override would disguise the extension
    ("report.meta.json", "report.meta.json_"),
    ("spend <script>.csv", "spend _script_.csv"),
    ("file:with|colons?.csv", "file_with_colons_.csv"),
    ("£25k spend – April.csv", "£25k spend _ April.csv"),
])
def test_safe_file_names(given_name, expected):
    assert safe_file_name(given_name) == expected


def test_long_names_are_cut_to_120_bytes_keeping_the_extension():
    assert len(safe_file_name("x" * 300 + ".csv").encode()) == 120
    assert safe_file_name("x" * 300 + ".csv").endswith(".csv")
    accented = safe_file_name("é" * 200 + ".xlsx")
    assert len(accented.encode("utf-8")) <= 120 and accented.endswith(".xlsx") and accented.startswith("é")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_any_name_stays_in_its_folder(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("names")
    name = safe_file_name(text)
    assert name and name not in (".", "..") and not name.startswith(".")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert len(name.encode("utf-8")) <= 120
    target = folder / name
    assert target.resolve().parent == folder.resolve()
    target.write_bytes(b"x")
    assert [p.name for p in folder.iterdir()] == [name]


def test_names_from_headers_urls_and_link_text():
    assert name_for("https://x.org/a/b/April%202020.csv", "x", None, "csv") == "April 2020.csv"
    assert name_for("https://x.org/media/123/attachment", "April 2020 (CSV, 33KB)", None, "csv") == "April 2020 (CSV, 33KB).csv"
    assert name_for("https://x.org/download.aspx?id=5", "May 2020", None, "xlsx") == "May 2020.xlsx"
    assert name_for("https://x.org/download.aspx?id=5", "", None, "xlsx") == "download.xlsx"
    cd = "attachment; filename*=UTF-8''%C2%A325k%20spend%20June%202020.csv"
    assert name_for("https://x.org/getfile/9", "June", cd, "csv") == "£25k spend June 2020.csv"
    assert name_for("https://x.org/getfile/9", "June", 'attachment; filename="../../../etc/passwd"', "csv") == "passwd.csv"
    # the publisher's name is kept even when the bytes are another format (ECGD's CSV named .xlsx)
    assert name_for("https://x.org/invalid_excel.xlsx", "", None, "csv") == "invalid_excel.xlsx"
    # CMS document links without an extension at the end (Liferay): the file name inside the URL, else its
    # last segment when the link text names only a format
    liferay = "https://x.org/documents/20142/0/July+2020.csv/5f2c9a7e-31d4-b8a0-6e0f-6c1b2a9d4e11?version=1.0"
    assert name_for(liferay, "July 2020", None, "csv") == "July+2020.csv"
    assert name_for("https://x.org/documents/d/guest/payments-march-2020-csv", "CSV", None, "csv") == "payments-march-2020-csv.csv"
    assert name_for("https://x.org/documents/d/guest/payments-march-2020", "PDF (300 KB)", None, "pdf") == "payments-march-2020.pdf"


# --- sniffing -------------------------------------------------------------------------------------


def test_sniffing(realdata):
    assert sniff_format((realdata / MAY_XLSX).read_bytes(), "may") == "xlsx"
    assert sniff_format((realdata / "central-government/invalid_excel.xlsx").read_bytes(), "ecgd") == "csv"
    assert sniff_format((realdata / "nhs-london-2020-21/NWHO/NWHO 01 - April.pdf").read_bytes(), "nwho") == "pdf"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    assert sniff_format(buffer.getvalue(), "q1.ods") == "ods"
    for body, words in [(b"<!DOCTYPE html><html><title>Page not found</title></html>", "an HTML page"),
                        (b"", "empty"), (b'{"error": 1}', "JSON"), (b"PK\x03\x04broken", "damaged")]:
        with pytest.raises(NotADataFile) as e:
            sniff_format(body, "https://x.org/april.csv")
        assert words in str(e.value) and str(e.value).startswith("https://x.org/april.csv: ") and "not stored" in str(e.value)


# --- over HTTP ------------------------------------------------------------------------------------


def test_a_file_is_stored_with_its_provenance(site, pool, tmp_path, realdata):
    source = realdata / APRIL
    site.add("/files/CROY%2001%20-%20April.csv", SiteResource(file=source, content_type="text/csv",
                                                            etag='"a1"', last_modified="Tue, 05 May 2020 10:00:00 GMT"))
    outcome = fetch(site, pool, tmp_path, "/files/CROY%2001%20-%20April.csv")
    assert (outcome.status, outcome.http_status, outcome.size) == ("fetched", 200, source.stat().st_size)
    stored = tmp_path / "spend" / SLUG / "2020-04" / "CROY 01 - April.csv"
    assert outcome.path == stored and sha256(stored) == sha256(source)
    record = json.loads((stored.parent / (stored.name + ".meta.json")).read_text())
    assert record == {
        "url": site.url("/files/CROY%2001%20-%20April.csv"), "final_url": None,
        "landing_page": site.url("/spend"), "source_page": site.url("/spend"), "link_text": "April 2020",
        "publisher": SLUG, "period": "2020-04", "fetched_at": record["fetched_at"], "http_status": 200,
        "content_type": "text/csv", "size": source.stat().st_size, "sha256": sha256(source), "etag": '"a1"',
        "last_modified": "Tue, 05 May 2020 10:00:00 GMT", "format": "csv", "file_name": "CROY 01 - April.csv",
    }
    assert record["fetched_at"].endswith("+00:00")
    # again: a conditional request, a 304, nothing written
    before = stored.stat().st_mtime_ns
    again = fetch(site, pool, tmp_path, "/files/CROY%2001%20-%20April.csv")
    assert (again.status, again.http_status, again.path) == ("not-modified", 304, stored)
    last = site.hits()[-1]
    assert (last.if_none_match, last.if_modified_since, last.status, last.body_bytes) == ('"a1"', "Tue, 05 May 2020 10:00:00 GMT", 304, 0)
    assert stored.stat().st_mtime_ns == before
    assert files_under(tmp_path) == ["spend/test-trust/2020-04/CROY 01 - April.csv", "spend/test-trust/2020-04/CROY 01 - April.csv.meta.json"]


def test_without_validators_a_rerun_compares_bytes_and_a_change_supersedes(site, pool, tmp_path, realdata):
    site.add("/spend.csv", SiteResource(file=realdata / APRIL, content_type="text/csv"))
    assert fetch(site, pool, tmp_path, "/spend.csv").status == "fetched"
    assert fetch(site, pool, tmp_path, "/spend.csv").status == "unchanged"
    assert (site.hits()[-1].if_none_match, site.hits()[-1].if_modified_since) == (None, None)
    site.add("/spend.csv", SiteResource(file=realdata / "nhs-london-2020-21/CROY/CROY 02 - May.csv", content_type="text/csv"))
    changed = fetch(site, pool, tmp_path, "/spend.csv")
    assert changed.status == "fetched" and sha256(changed.path) == sha256(realdata / "nhs-london-2020-21/CROY/CROY 02 - May.csv")
    old = sha256(realdata / APRIL)[:12]
    assert files_under(tmp_path) == [
        f"spend-superseded/test-trust/2020-04/{old}-spend.csv",
        f"spend-superseded/test-trust/2020-04/{old}-spend.csv.meta.json",
        "spend/test-trust/2020-04/spend.csv",
        "spend/test-trust/2020-04/spend.csv.meta.json",
    ]
    assert sha256(tmp_path / f"spend-superseded/test-trust/2020-04/{old}-spend.csv") == sha256(realdata / APRIL)


def test_size_limit_from_content_length(site, pool, tmp_path, realdata):
    site.add("/big.xlsx", SiteResource(file=realdata / MAY_XLSX, content_type="application/vnd.ms-excel"))
    outcome = fetch(site, pool, tmp_path, "/big.xlsx", limits=Limits(max_bytes=1000, deadline=60.0))
    assert outcome.status == "failed" and "over the 1,000-byte limit" in outcome.reason
    assert files_under(tmp_path) == []


def test_size_limit_while_streaming_and_short_bodies(tmp_path):
    """Bodies without Content-Length are counted as they arrive; short ones are refused."""
    spool = _Spool(tmp_path / ".partial", 10, "https://x.org/a.csv")
    response = requests.Response()
    response.status_code, response.raw = 200, io.BytesIO(b"a,b\n1,2\n3,4\n5,6\n")
    with pytest.raises(FileTooLarge, match="over the 10-byte limit"):
        spool.receive(response)
    spool.discard()
    assert files_under(tmp_path) == []
    short = requests.Response()
    short.status_code, short.raw = 200, io.BytesIO(b"a,b\n")
    short.headers["Content-Length"] = "100"
    with pytest.raises(_ShortBody, match="4 of 100 bytes"):
        _Spool(tmp_path / ".partial", 1000, "x").receive(short)


def test_a_file_sent_a_byte_a_second_fails_at_the_deadline(site, pool, tmp_path):
    """The publisher's read timeout (120 s) never fires for a server that sends a byte every second;
    the deadline on the whole download does (lowered here from ten minutes to one second)."""
    site.add("/files/april.csv", SiteResource(chunks=lambda: (b"a,b\n"[i % 4: i % 4 + 1] for i in range(20)),
                                              interval=1.0, content_type="text/csv"))
    started = time.monotonic()
    outcome = fetch(site, pool, tmp_path, "/files/april.csv", limits=Limits(max_bytes=MiB, deadline=1.0))
    took = time.monotonic() - started
    assert outcome.status == "failed"
    assert outcome.reason == (f"{site.url('/files/april.csv')}: no complete answer within the 1-second deadline "
                              "(connecting, headers and body); gave up, nothing kept")
    assert 1.0 <= took < 3.0
    assert len(site.hits("/files/april.csv")) == 1  # not tried again
    assert files_under(tmp_path) == []  # nothing stored, no part file left


def test_hostile_names_from_the_server_stay_in_the_period_folder(site, pool, tmp_path, realdata):
    raw = tmp_path / "raw"
    site.add("/files/..%2F..%2F..%2Fescape%20April%202020.csv", SiteResource(file=realdata / APRIL, content_type="text/csv"))
    site.add("/getfile/7", SiteResource(file=realdata / APRIL, content_type="text/csv",
                                        headers={"Content-Disposition": 'attachment; filename="../../../../tmp/evil.csv"'}))
    # (requests writes percent-escapes in upper case, so the site registers them so)
    site.add("/files/%00nul%0A%1B%5B31m.csv", SiteResource(file=realdata / APRIL, content_type="text/csv"))
    site.add("/files/", SiteResource(file=realdata / APRIL, content_type="text/csv",
                                     headers={"Content-Disposition": "attachment; filename=.."}))
    outcomes = [fetch(site, pool, raw, p) for p in
                ("/files/..%2F..%2F..%2Fescape%20April%202020.csv", "/getfile/7", "/files/%00nul%0A%1B%5B31m.csv", "/files/")]
    assert [o.status for o in outcomes] == ["fetched"] * 4
    assert files_under(tmp_path) == sorted(f"raw/spend/test-trust/2020-04/{n}{m}" for n in
                                           ("escape April 2020.csv", "evil.csv", "nul[31m.csv", "April 2020.csv")
                                           for m in ("", ".meta.json"))


def test_an_html_page_served_as_a_file_is_reported_not_stored(site, pool, tmp_path):
    site.add("/files/june.csv", SiteResource(body=b"<!DOCTYPE html><html><head><title>Sorry, page not found</title>"
                                                  b"</head><body>Not here</body></html>", content_type="text/csv"))
    outcome = fetch(site, pool, tmp_path, "/files/june.csv")
    assert outcome.status == "failed"
    assert outcome.reason == (f"{site.url('/files/june.csv')}: an HTML page, not a spend file "
                              "(title: 'Sorry, page not found'); not stored")
    assert files_under(tmp_path) == []
    assert len(site.hits("/files/june.csv")) == 1  # not retried: an HTML page is not a passing fault


def test_an_interrupted_download_leaves_no_file_behind(site, pool, tmp_path, realdata, monkeypatch):
    """Ctrl-C in the middle of a body: the partial body is removed, nothing is stored."""
    site.add("/files/april.csv", SiteResource(file=realdata / APRIL, content_type="text/csv"))
    real_iter = requests.Response.iter_content

    def interrupted(self, chunk_size=1, decode_unicode=False):
        chunks = real_iter(self, chunk_size=1024)
        yield next(chunks)
        raise KeyboardInterrupt

    monkeypatch.setattr(requests.Response, "iter_content", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch(site, pool, tmp_path, "/files/april.csv")
    assert files_under(tmp_path) == []
    monkeypatch.undo()
    assert fetch(site, pool, tmp_path, "/files/april.csv").status == "fetched"  # and the next run gets it
    assert files_under(tmp_path) == ["spend/test-trust/2020-04/april.csv", "spend/test-trust/2020-04/april.csv.meta.json"]
