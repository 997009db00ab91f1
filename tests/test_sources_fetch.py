"""End to end: `spend fetch` against publisher web sites on 127.0.0.1 serving real corpus files.

Three sites in the three shapes publishers use -- a table of links, a list per year on sub-pages,
a paginated archive -- with the faults they show: an HTML error page with status 200, a 404, a 500
that passes, a connection reset mid-body on every try, a body cut short once, a hostile file name.
Then a second run, which must download nothing: the server's log shows the conditional requests
and the 304s. And the local import of the shared corpus (`--from-dir`).
"""

from __future__ import annotations

import itertools
import json
import time
import zlib
from pathlib import Path

import pytest

from localserver import FakePublisherSite, SiteResource, files_under, loopback_only, sha256  # noqa: F401
from spend.cli import main
from spend.sources.download import SessionPool
from spend.sources import limits
from spend.sources.errors import FetchUsageError
from spend.sources.limits import Limits, MiB
from spend.sources.fetch import fetch_publisher, import_corpus
from spend.core.periods import Period
from spend.sources.registry import default_registry_path, get_publisher, load_publishers

CROY = "nhs-london-2020-21/CROY"
NWHO = "nhs-london-2020-21/NWHO"
OXFORD = "councils/oxford"
LAST_MODIFIED = "Mon, 01 Mar 2021 09:00:00 GMT"


def serve_file(site: FakePublisherSite, path: str, source: Path, *, etag: bool = True, last_modified: bool = True,
               content_type: str = "text/csv", headers: dict[str, str] | None = None) -> None:
    site.add(path, SiteResource(file=source, content_type=content_type, headers=headers or {},
                                etag=f'"{sha256(source)[:16]}"' if etag else None,
                                last_modified=LAST_MODIFIED if last_modified else None))


def build_sites(site: FakePublisherSite, realdata: Path) -> None:
    # 1. A table of links (a trust): relative links, an attachment URL without extension, faults.
    site.page("/trust/spend-over-25k", """<!DOCTYPE html><html><head><title>What we spend</title></head><body>
      <h1>Trust expenditure over &pound;25,000</h1>
      <table><tr><th>Month</th><th>File</th></tr>
        <tr><td>April</td><td><a href="files/CROY%2001%20-%20April.csv">April 2020 (CSV, 20KB)</a></td></tr>
        <tr><td>May</td><td><a href="/trust/media/20421/attachment">May 2020 (CSV)</a></td></tr>
        <tr><td>June</td><td><a href="files/june-2020.csv">June 2020</a></td></tr>
        <tr><td>July</td><td><a href="files/CROY%2004%20-%20July.csv">July 2020</a></td></tr>
        <tr><td>August</td><td><a href="files/CROY%2005%20-%20August.csv">August 2020</a></td></tr>
        <tr><td>September</td><td><a href="files/CROY%2006%20-%20Spetember.csv">Spetember 2020</a></td></tr>
        <tr><td>October</td><td><a href="files/CROY%2007%20-%20October.csv">October 2020</a></td></tr>
        <tr><td>November</td><td><a href="files/CROY%2008%20-%20November.csv">November 2020</a></td></tr>
        <tr><td>December</td><td><a href="files/..%2F..%2F..%2Fescape-december-2020.csv">December 2020</a></td></tr>
      </table>
      <p><a href="docs/redaction-policy.pdf">Redaction policy (PDF)</a> <a href="mailto:foi@example.nhs.uk">FOI</a></p>
    </body></html>""")
    serve_file(site, "/trust/files/CROY%2001%20-%20April.csv", realdata / CROY / "CROY 01 - April.csv")
    serve_file(site, "/trust/media/20421/attachment", realdata / CROY / "CROY 02 - May.csv",
               headers={"Content-Disposition": 'attachment; filename="CROY 02 - May.csv"'})
    site.add("/trust/files/june-2020.csv", SiteResource(  # the CMS's "page not found", with status 200
        body=b"<!DOCTYPE html><html><head><title>Page not found | Croydon Health Services</title></head>"
             b"<body><h1>Sorry, we can't find that page</h1></body></html>", content_type="text/html; charset=utf-8"))
    # July: not registered, so a 404
    serve_file(site, "/trust/files/CROY%2005%20-%20August.csv", realdata / CROY / "CROY 05 - August.csv")
    site.fail("/trust/files/CROY%2005%20-%20August.csv", "500")
    serve_file(site, "/trust/files/CROY%2006%20-%20Spetember.csv", realdata / CROY / "CROY 06 - Spetember.csv")
    serve_file(site, "/trust/files/CROY%2007%20-%20October.csv", realdata / CROY / "CROY 07 - October.csv")
    site.fail("/trust/files/CROY%2007%20-%20October.csv", *["reset-mid-body"] * 4)  # every try of the run
    serve_file(site, "/trust/files/CROY%2008%20-%20November.csv", realdata / CROY / "CROY 08 - November.csv")
    site.fail("/trust/files/CROY%2008%20-%20November.csv", "truncate")
    serve_file(site, "/trust/files/..%2F..%2F..%2Fescape-december-2020.csv", realdata / CROY / "CROY 09 - December.csv")
    serve_file(site, "/trust/docs/redaction-policy.pdf", realdata / NWHO / "NWHO 01 - April.pdf", content_type="application/pdf")

    # 2. A list per year on sub-pages (a CCG): bare month names, Last-Modified only, pages linking back.
    site.page("/ccg/transparency", """<html><body><h1>Expenditure over £25,000</h1>
      <ul><li><a href="/ccg/transparency/2020-21">2020/21</a></li><li><a href="/ccg/transparency/2019-20">2019/20</a></li></ul>
      <a href="/ccg/about-us">About us</a></body></html>""")
    site.page("/ccg/transparency/2020-21", """<html><body><a href="/ccg/transparency">Back</a>
      <a href="/ccg/transparency/2019-20">2019/20</a>
      <ul><li><a href="/ccg/documents/4471">April (PDF, 470KB)</a></li>
          <li><a href="/ccg/documents/4474.pdf">July</a></li>
          <li><a href="/ccg/documents/4478.pdf">November</a></li></ul></body></html>""")
    site.page("/ccg/transparency/2019-20", """<html><body><a href="/ccg/transparency/2020-21">2020/21</a>
      <p>Files for 2019/20 are available on request.</p></body></html>""")
    site.page("/ccg/about-us", "<html><body>About us</body></html>")
    for number, name in (("4471", "NWHO 01 - April.pdf"), ("4474.pdf", "NWHO 04 - July.pdf"), ("4478.pdf", "NWHO 08 - November.pdf")):
        serve_file(site, f"/ccg/documents/{number}", realdata / NWHO / name, etag=False, content_type="application/pdf",
                   headers={"Content-Disposition": f'inline; filename="{name}"'} if number == "4471" else None)

    # 3. A paginated archive (a council): "Next ›", numbered page links, quarterly files.
    base = "/council/payments-over-500"
    pages = [["jan-mar-2014", "apr-jun-2014"], ["jul-sep-2015", "oct-dec-2015"], ["jan-mar-2017"]]
    for n, names in enumerate(pages, start=1):
        numbers = " ".join(f'<a href="{base}?page={m}">{m}</a>' for m in range(1, 4) if m != n)
        nxt = f'<a href="{base}?page={n + 1}">Next &rsaquo;</a>' if n < 3 else ""
        items = "".join(f'<li><a href="/council/downloads/expenditure-over-500-{q}.csv">Payments over £500, {q}</a></li>' for q in names)
        html = f"<html><body><ul>{items}</ul><p>{numbers} {nxt}</p></body></html>"
        site.page(base if n == 1 else f"{base}?page={n}", html)
        for q in names:
            serve_file(site, f"/council/downloads/expenditure-over-500-{q}.csv", realdata / OXFORD / f"expenditure-over-500-{q}.csv")
    site.page(f"{base}?page=1", site.resources[base].body.decode())


REGISTRY = """
- slug: table-trust
  name: Table Trust
  kind: trust
  landing_pages: ["{base}/trust/spend-over-25k"]
  hints: {{publisher_column: false}}
  corpus: []
  notes: a test site
- slug: yearly-ccg
  name: NHS Yearly CCG
  kind: ccg
  landing_pages: ["{base}/ccg/transparency"]
  hints: {{}}
  corpus: []
  notes: a test site
- slug: archive-council
  name: Archive Council
  kind: council
  landing_pages: ["{base}/council/payments-over-500"]
  hints: {{}}
  corpus: []
  notes: a test site
"""

# What the first run stores: (path under raw/spend, corpus file whose bytes it must be).
STORED = {
    "table-trust/2020-04/CROY 01 - April.csv": f"{CROY}/CROY 01 - April.csv",
    "table-trust/2020-05/CROY 02 - May.csv": f"{CROY}/CROY 02 - May.csv",
    "table-trust/2020-08/CROY 05 - August.csv": f"{CROY}/CROY 05 - August.csv",
    "table-trust/2020-09/CROY 06 - Spetember.csv": f"{CROY}/CROY 06 - Spetember.csv",
    "table-trust/2020-11/CROY 08 - November.csv": f"{CROY}/CROY 08 - November.csv",
    "table-trust/2020-12/escape-december-2020.csv": f"{CROY}/CROY 09 - December.csv",
    "yearly-ccg/2020-04/NWHO 01 - April.pdf": f"{NWHO}/NWHO 01 - April.pdf",
    "yearly-ccg/2020-07/4474.pdf": f"{NWHO}/NWHO 04 - July.pdf",
    "yearly-ccg/2020-11/4478.pdf": f"{NWHO}/NWHO 08 - November.pdf",
    "archive-council/2014-01_2014-03/expenditure-over-500-jan-mar-2014.csv": f"{OXFORD}/expenditure-over-500-jan-mar-2014.csv",
    "archive-council/2014-04_2014-06/expenditure-over-500-apr-jun-2014.csv": f"{OXFORD}/expenditure-over-500-apr-jun-2014.csv",
    "archive-council/2015-07_2015-09/expenditure-over-500-jul-sep-2015.csv": f"{OXFORD}/expenditure-over-500-jul-sep-2015.csv",
    "archive-council/2015-10_2015-12/expenditure-over-500-oct-dec-2015.csv": f"{OXFORD}/expenditure-over-500-oct-dec-2015.csv",
    "archive-council/2017-01_2017-03/expenditure-over-500-jan-mar-2017.csv": f"{OXFORD}/expenditure-over-500-jan-mar-2017.csv",
}
FAILED = {
    "/trust/files/june-2020.csv": "an HTML page, not a spend file (title: 'Page not found | Croydon Health Services'); not stored",
    "/trust/files/CROY%2004%20-%20July.csv": "HTTP 404 Not Found",
    "/trust/files/CROY%2007%20-%20October.csv": "body cut short",
}


@pytest.fixture
def site(realdata):
    with FakePublisherSite() as running:
        build_sites(running, realdata)
        yield running


@pytest.fixture
def registry(site, tmp_path) -> Path:
    path = tmp_path / "publishers.yaml"
    path.write_text(REGISTRY.format(base=site.base_url), encoding="utf-8")
    return path


def run_all(registry: Path, raw: Path) -> dict[str, dict[str, str]]:
    """Fetch every publisher of the registry; {slug: {url path: status}}."""
    out = {}
    with SessionPool(wait_scale=0) as pool:
        for publisher in load_publishers(registry):
            report = fetch_publisher(publisher, raw_root=raw, pool=pool)
            assert report.problems == []
            out[publisher.slug] = {o.url.split(":", 2)[2].split("/", 1)[1]: o.status for o in report.outcomes}
            out[publisher.slug + ":reasons"] = {o.url.split(":", 2)[2].split("/", 1)[1]: o.reason for o in report.failed}
    return out


def test_three_site_shapes_faults_and_a_second_run_that_downloads_nothing(site, registry, tmp_path, realdata):
    raw = tmp_path / "raw"
    first = run_all(registry, raw)
    assert first["table-trust"] == {
        "trust/files/CROY%2001%20-%20April.csv": "fetched",
        "trust/media/20421/attachment": "fetched",
        "trust/files/june-2020.csv": "failed",
        "trust/files/CROY%2004%20-%20July.csv": "failed",
        "trust/files/CROY%2005%20-%20August.csv": "fetched",
        "trust/files/CROY%2006%20-%20Spetember.csv": "fetched",
        "trust/files/CROY%2007%20-%20October.csv": "failed",
        "trust/files/CROY%2008%20-%20November.csv": "fetched",
        "trust/files/..%2F..%2F..%2Fescape-december-2020.csv": "fetched",
    }
    reasons = first["table-trust:reasons"]
    for path, words in FAILED.items():
        assert words in reasons[path.lstrip("/")], (path, reasons[path.lstrip("/")])
    assert list(first["yearly-ccg"].values()) == ["fetched"] * 3
    assert list(first["archive-council"].values()) == ["fetched"] * 5

    # exactly the stored files, byte for byte, each with its record; nothing half-written anywhere
    expected = sorted([f"raw/spend/{p}" for p in STORED] + [f"raw/spend/{p}.meta.json" for p in STORED])
    assert files_under(tmp_path) == sorted(expected + ["publishers.yaml"])
    for stored, source in STORED.items():
        path = raw / "spend" / stored
        record = json.loads(path.with_name(path.name + ".meta.json").read_text())
        assert sha256(path) == sha256(realdata / source) == record["sha256"]
        assert record["size"] == (realdata / source).stat().st_size
        assert record["publisher"] == stored.split("/")[0] and record["period"] == stored.split("/")[1].replace("_", "..")
        assert record["http_status"] == 200 and record["fetched_at"]
    may = json.loads((raw / "spend/table-trust/2020-05/CROY 02 - May.csv.meta.json").read_text())
    assert may["url"] == site.url("/trust/media/20421/attachment") and may["link_text"] == "May 2020 (CSV)"
    assert (may["landing_page"], may["source_page"]) == (site.url("/trust/spend-over-25k"),) * 2
    assert (may["format"], may["content_type"], may["etag"], may["last_modified"]) == (
        "csv", "text/csv", f'"{sha256(realdata / CROY / "CROY 02 - May.csv")[:16]}"', LAST_MODIFIED)
    july = json.loads((raw / "spend/yearly-ccg/2020-07/4474.pdf.meta.json").read_text())
    assert (july["period"], july["source_page"], july["etag"], july["format"]) == (
        "2020-07", site.url("/ccg/transparency/2020-21"), None, "pdf")

    # the faults were met as designed
    assert [h.status for h in site.hits("/trust/files/CROY%2005%20-%20August.csv")] == [500, 200]
    assert [h.fault for h in site.hits("/trust/files/CROY%2008%20-%20November.csv")] == ["truncate", "ok"]
    assert [h.fault for h in site.hits("/trust/files/CROY%2007%20-%20October.csv")] == ["reset-mid-body"] * 4
    assert [h.status for h in site.hits("/trust/files/CROY%2004%20-%20July.csv")] == [404]  # not retried
    assert len(site.hits("/trust/files/june-2020.csv")) == 1
    assert site.hits("/trust/docs/redaction-policy.pdf") == []  # neither dated nor spending
    assert len(site.hits("/ccg/transparency/2019-20")) == 1 and site.hits("/ccg/about-us") == []
    assert [len(site.hits(f"/council/payments-over-500{q}")) for q in ("", "?page=1", "?page=2", "?page=3")] == [1, 1, 1, 1]
    mtimes = {p: (raw / "spend" / p).stat().st_mtime_ns for p in STORED}

    # second run: conditional requests, 304s, no body, nothing written
    site.fail("/trust/files/CROY%2007%20-%20October.csv", *["reset-mid-body"] * 4)  # still broken
    served_before = len(site.log)
    second = run_all(registry, raw)
    assert second["table-trust"] == {path: ("failed" if status == "failed" else "not-modified")
                                     for path, status in first["table-trust"].items()}
    assert list(second["yearly-ccg"].values()) == ["not-modified"] * 3
    assert list(second["archive-council"].values()) == ["not-modified"] * 5
    stored_paths = {"/" + path for slug in ("table-trust", "yearly-ccg", "archive-council")
                    for path, status in first[slug].items() if status == "fetched"}
    stored_hits = [h for h in site.log[served_before:] if h.path in stored_paths]
    assert sorted(h.path for h in stored_hits) == sorted(stored_paths)
    assert all(h.status == 304 and h.body_bytes == 0 for h in stored_hits)
    assert all(h.if_none_match and h.if_modified_since == LAST_MODIFIED for h in stored_hits if h.path.startswith(("/trust", "/council")))
    assert all(h.if_none_match is None and h.if_modified_since == LAST_MODIFIED for h in stored_hits if h.path.startswith("/ccg"))
    assert {p: (raw / "spend" / p).stat().st_mtime_ns for p in STORED} == mtimes
    assert files_under(tmp_path) == sorted(expected + ["publishers.yaml"])


def cli(*argv: str) -> int:
    """`spend ARGV...` through the one entry point, which prints a `SpendError` as one line on stderr."""
    return main(list(argv))


def test_cli_fetch_reports_failures_and_exits_non_zero(site, registry, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
    raw = tmp_path / "raw"
    assert cli("fetch", "--publisher", "table-trust", "--registry", str(registry), "--raw-dir", str(raw)) == 1
    out, err = capsys.readouterr()
    assert out.strip() == "table-trust: 9 files (6 fetched, 3 failed), 1 page read"
    errors = err.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("error: ") for line in errors)
    assert "june-2020.csv: an HTML page, not a spend file" in errors[0]
    assert "HTTP 404" in errors[1] and "October.csv: body cut short" in errors[2]
    assert len([p for p in files_under(raw) if not p.endswith(".meta.json")]) == 6


HOSTILE_REGISTRY = """
- slug: endless-trust
  name: Endless Trust
  kind: trust
  landing_pages: ["{base}/hostile/endless"]
  corpus: []
  notes: a landing page that never ends
- slug: bomb-trust
  name: Bomb Trust
  kind: trust
  landing_pages: ["{base}/hostile/bomb"]
  corpus: []
  notes: a landing page that inflates 64 KB into 64 MB (Content-Encoding gzip)
- slug: drip-trust
  name: Drip Trust
  kind: trust
  landing_pages: ["{base}/hostile/drip"]
  corpus: []
  notes: a landing page sent a byte a second
"""


def gzip_bomb(decoded_bytes: int) -> bytes:
    """An HTML page of `decoded_bytes` bytes, gzip-compressed (about a thousandth of that on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip container, as Content-Encoding: gzip means
    spaces = b" " * (1024 * 1024)
    parts = [packer.compress(b"<html><body><p>Spend over 25k")]
    parts += [packer.compress(spaces) for _ in range(decoded_bytes // len(spaces))]
    return b"".join(parts) + packer.flush()


@pytest.fixture
def hostile(site, tmp_path, monkeypatch) -> Path:
    """Three publishers whose landing pages attack the fetcher, with the page limits scaled down to
    match (1 MiB and 2 s instead of 20 MB and 60 s). Each page ends eventually, so a fetcher without
    limits fails these tests instead of hanging them."""
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
    monkeypatch.setattr(limits, "PAGE", Limits(max_bytes=MiB, deadline=2.0))
    row = b"<tr><td>Payments over 25k</td><td>see the next row</td></tr>\n" * 64  # 4 KiB
    site.add("/hostile/endless", SiteResource(chunks=lambda: itertools.repeat(row, 16 * 1024)))  # 64 MiB, then it stops
    site.add("/hostile/bomb", SiteResource(body=gzip_bomb(64 * MiB), headers={"Content-Encoding": "gzip"}))
    site.add("/hostile/drip", SiteResource(chunks=lambda: (bytes([c]) for c in b"<html><body>Spend"), interval=1.0))
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE_REGISTRY.format(base=site.base_url), encoding="utf-8")
    return path


@pytest.mark.parametrize(("slug", "path", "reason"), [
    ("endless-trust", "/hostile/endless", "the body is over the 1,048,576-byte limit (counted after decompression); "
                                          "stopped reading, nothing kept"),
    ("bomb-trust", "/hostile/bomb", "the body is over the 1,048,576-byte limit (counted after decompression); "
                                    "stopped reading, nothing kept"),
    ("drip-trust", "/hostile/drip", "no complete answer within the 2-second deadline (connecting, headers and body); "
                                    "gave up, nothing kept"),
])
def test_a_hostile_landing_page_is_a_failed_page_and_the_run_fails(site, hostile, tmp_path, capsys, slug, path, reason):
    raw = tmp_path / "raw"
    started = time.monotonic()
    assert cli("fetch", "--publisher", slug, "--registry", str(hostile), "--raw-dir", str(raw)) == 1
    took = time.monotonic() - started
    out, err = capsys.readouterr()
    assert out.strip() == f"{slug}: 0 files (none), 1 page failed"
    assert err.strip() == f"error: {site.url(path)}: {reason}"
    assert took < 5.0
    assert len(site.hits(path)) == 1  # not asked again
    assert site.sent[path] < 16 * MiB  # the fetcher hung up (what is left is socket buffers)
    assert not raw.exists() or files_under(raw) == []


def test_the_report_names_the_failed_page(site, hostile, tmp_path):
    with SessionPool(wait_scale=0) as pool:
        report = fetch_publisher(get_publisher("bomb-trust", hostile), raw_root=tmp_path / "raw", pool=pool)
    assert report.failed_pages == [(site.url("/hostile/bomb"), "the body is over the 1,048,576-byte limit (counted "
                                                               "after decompression); stopped reading, nothing kept")]
    assert not report.ok and report.pages == [] and report.outcomes == []


def test_a_file_sent_a_byte_a_second_fails_and_the_files_before_it_stay(site, realdata, tmp_path, capsys, monkeypatch):
    """The deadline on a whole download (lowered from ten minutes to two seconds) ends a file that comes
    a byte a second; the file fetched before it is stored, and the run fails."""
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
    monkeypatch.setattr(limits, "FILE", Limits(max_bytes=MiB, deadline=2.0))
    site.page("/slow/spend", """<html><body><ul>
      <li><a href="/slow/files/april-2020.csv">April 2020</a></li>
      <li><a href="/slow/files/may-2020.csv">May 2020</a></li></ul></body></html>""")
    serve_file(site, "/slow/files/april-2020.csv", realdata / CROY / "CROY 01 - April.csv")
    may = (realdata / CROY / "CROY 02 - May.csv").read_bytes()[:12]  # 12 s of it: without a deadline the test ends
    site.add("/slow/files/may-2020.csv", SiteResource(chunks=lambda: (bytes([b]) for b in may), interval=1.0,
                                                      content_type="text/csv"))
    registry = tmp_path / "slow.yaml"
    registry.write_text(SLOW_REGISTRY.format(base=site.base_url), encoding="utf-8")
    raw = tmp_path / "raw"
    started = time.monotonic()
    assert cli("fetch", "--publisher", "slow-trust", "--registry", str(registry), "--raw-dir", str(raw)) == 1
    took = time.monotonic() - started
    out, err = capsys.readouterr()
    assert out.strip() == "slow-trust: 2 files (1 fetched, 1 failed), 1 page read"
    assert err.strip() == (f"error: {site.url('/slow/files/may-2020.csv')}: no complete answer within the 2-second "
                           "deadline (connecting, headers and body); gave up, nothing kept")
    assert took < 10.0
    assert len(site.hits("/slow/files/may-2020.csv")) == 1
    assert site.sent["/slow/files/may-2020.csv"] < 6  # bytes: the fetcher hung up after two seconds
    assert [p for p in files_under(raw) if not p.endswith(".meta.json")] == ["spend/slow-trust/2020-04/april-2020.csv"]
    assert (raw / "spend/slow-trust/2020-04/april-2020.csv").read_bytes() == (realdata / CROY / "CROY 01 - April.csv").read_bytes()


SLOW_REGISTRY = """
- slug: slow-trust
  name: Slow Trust
  kind: trust
  landing_pages: ["{base}/slow/spend"]
  corpus: []
  notes: the second file comes a byte a second
"""


def test_cli_dry_run_and_period(site, registry, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
    raw = tmp_path / "raw"
    assert cli("fetch", "--publisher", "yearly-ccg", "--registry", str(registry), "--raw-dir", str(raw), "--dry-run") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"would fetch {site.url('/ccg/documents/4471')} (2020-04) -> {raw}/spend/yearly-ccg/2020-04",
        f"would fetch {site.url('/ccg/documents/4474.pdf')} (2020-07) -> {raw}/spend/yearly-ccg/2020-07",
        f"would fetch {site.url('/ccg/documents/4478.pdf')} (2020-11) -> {raw}/spend/yearly-ccg/2020-11",
        "yearly-ccg: 3 files (3 would-fetch), 3 pages read",
    ]
    assert not raw.exists() and not any(h.path.startswith("/ccg/documents") for h in site.log)
    assert cli("fetch", "--publisher", "yearly-ccg", "--registry", str(registry), "--raw-dir", str(raw),
               "--period", "2020-06..2020-08") == 0
    assert capsys.readouterr().out.strip() == "yearly-ccg: 3 files (1 fetched, 2 skipped), 3 pages read"
    assert files_under(raw) == ["spend/yearly-ccg/2020-07/4474.pdf", "spend/yearly-ccg/2020-07/4474.pdf.meta.json"]


def test_cli_usage_errors_are_one_line(registry, tmp_path, capsys):
    def error_line() -> str:
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1, captured
        return captured.err.strip()

    assert cli("fetch", "--publisher", "no-such-body", "--registry", str(registry)) == 1
    assert error_line() == "error: no-such-body: no such publisher in the registry; run 'spend publishers list'"
    assert cli("fetch", "--publisher", "oxford-city-council", "--raw-dir", str(tmp_path)) == 1
    assert "no landing page is known for this publisher" in error_line()
    assert cli("fetch", "--publisher", "lambeth", "--period", "April 2020", "--raw-dir", str(tmp_path)) == 1
    assert error_line().startswith("error: --period: 'April 2020' is not a period")
    assert cli("fetch", "--publisher", "lambeth", "--from-dir", str(tmp_path / "nowhere"), "--raw-dir", str(tmp_path)) == 1
    assert "no such folder" in error_line()
    with pytest.raises(FetchUsageError):
        fetch_publisher(get_publisher("oxford-city-council"), raw_root=tmp_path)


def test_publishers_list(registry, capsys, realdata):
    assert cli("publishers", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["slug", "name", "kind", "ODS", "pages", "corpus"]
    hounslow = next(line for line in lines if line.startswith("nhs-hounslow-ccg "))
    assert hounslow.split()[-4:] == ["ccg", "07Y", "5", "8"]
    # Every registered body is listed (test_sources_registry pins how many there are).
    assert lines[-1].startswith(f"{len(load_publishers())} publishers (")
    assert len(lines) == len(load_publishers()) + 3  # header, rule, one line each, count
    assert cli("publishers", "list", "--kind", "trust") == 0
    trusts = capsys.readouterr().out.splitlines()
    assert trusts[-1].startswith("8 publishers") and all(" trust " in line for line in trusts[2:-1])
    assert cli("publishers", "list", "--registry", str(registry)) == 0
    # A further registry extends the package's, never replaces it.
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"{len(load_publishers()) + 3} publishers ({default_registry_path()}; {registry}; 3 not in the package's "
        "registry)")


def test_help_has_examples(capsys):
    for argv in (("fetch", "--help"), ("publishers", "list", "--help")):
        with pytest.raises(SystemExit):
            cli(*argv)
        assert "examples:\n  spend " in capsys.readouterr().out


# --- the shared corpus, imported locally ----------------------------------------------------------


def test_import_from_the_corpus_copies_once(tmp_path, realdata, capsys):
    raw = tmp_path / "raw"
    assert cli("fetch", "--publisher", "nhs-hounslow-ccg", "--from-dir", str(realdata), "--raw-dir", str(raw)) == 0
    assert capsys.readouterr().out.strip() == "nhs-hounslow-ccg: 8 files (8 fetched)"
    stored = [p for p in files_under(raw) if not p.endswith(".meta.json")]
    assert stored == sorted(f"spend/nhs-hounslow-ccg/2020-{m:02d}/{f.name}" for m, f in
                            zip(range(4, 12), sorted((realdata / NWHO).glob("*.pdf"))))
    july = raw / "spend/nhs-hounslow-ccg/2020-07/NWHO 04 - July.pdf"
    record = json.loads(july.with_name(july.name + ".meta.json").read_text())
    assert record["url"] == (realdata / NWHO / "NWHO 04 - July.pdf").resolve().as_uri()
    assert record["url"].startswith("file:///") and record["landing_page"] is None
    assert (record["sha256"], record["format"], record["period"]) == (sha256(realdata / NWHO / "NWHO 04 - July.pdf"), "pdf", "2020-07")
    before = {p: (raw / p).stat().st_mtime_ns for p in stored}
    assert cli("fetch", "--publisher", "nhs-hounslow-ccg", "--from-dir", str(realdata), "--raw-dir", str(raw)) == 0
    assert capsys.readouterr().out.strip() == "nhs-hounslow-ccg: 8 files (8 unchanged)"
    assert {p: (raw / p).stat().st_mtime_ns for p in stored} == before


def test_import_of_the_whole_corpus(tmp_path, realdata):
    raw = tmp_path / "raw"
    reports = [import_corpus(p, source_dir=realdata, raw_root=raw) for p in load_publishers()]
    assert sum(r.count("fetched") for r in reports) == 120 and not any(r.failed for r in reports)
    stored = [p for p in files_under(raw) if not p.endswith(".meta.json")]
    assert len(stored) == 120
    assert "spend/bbsrc/2010-11/1011-bbsrc-25k-spend-return.csv" in stored
    assert "spend/ecgd/2010-12/invalid_excel.xlsx" in stored
    assert "spend/oxford-city-council/2014-04_2014-06/expenditure-over-500-apr-jun-2014.csv" in stored
    assert not any("first-upload" in p or p.endswith(".pdf.csv") or "2011-01-payments" in p for p in stored)
    ecgd = json.loads((raw / "spend/ecgd/2010-12/invalid_excel.xlsx.meta.json").read_text())
    assert ecgd["format"] == "csv"  # a CSV with an .xlsx name, stored as published
    march = import_corpus(get_publisher("croydon-health-services"), source_dir=realdata, raw_root=raw,
                          period=Period.parse("2021-03"))
    assert (march.count("unchanged"), march.count("skipped")) == (1, 11)


def test_an_unreadable_record_in_the_way_is_reported_and_the_stored_file_left_alone(tmp_path, realdata):
    raw = tmp_path / "raw"
    target = raw / "spend/nhs-hounslow-ccg/2020-07/NWHO 04 - July.pdf"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"bytes stored earlier")
    record = target.with_name(target.name + ".meta.json")
    record.write_text("{not json", encoding="utf-8")
    report = import_corpus(get_publisher("nhs-hounslow-ccg"), source_dir=realdata, raw_root=raw,
                           period=Period.parse("2020-07"))
    (failed,) = report.failed
    assert f"{record}: unreadable provenance record" in failed.reason
    assert target.read_bytes() == b"bytes stored earlier" and files_under(raw) == [
        "spend/nhs-hounslow-ccg/2020-07/NWHO 04 - July.pdf", "spend/nhs-hounslow-ccg/2020-07/NWHO 04 - July.pdf.meta.json"]


def test_a_file_put_in_the_raw_store_by_hand_is_set_aside_not_overwritten(tmp_path, realdata):
    raw = tmp_path / "raw"
    target = raw / "spend/nhs-hounslow-ccg/2020-07/NWHO 04 - July.pdf"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"a hand-made file of the same name")
    report = import_corpus(get_publisher("nhs-hounslow-ccg"), source_dir=realdata, raw_root=raw,
                           period=Period.parse("2020-07"))
    assert report.count("fetched") == 1
    assert sha256(target) == sha256(realdata / NWHO / "NWHO 04 - July.pdf")
    (aside,) = (raw / "spend-superseded/nhs-hounslow-ccg/2020-07").iterdir()
    assert aside.read_bytes() == b"a hand-made file of the same name" and aside.name.endswith("-NWHO 04 - July.pdf")
