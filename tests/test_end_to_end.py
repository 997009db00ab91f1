"""From a publisher's web site to a figure: `spend fetch`, `spend build`, `spend figures check`.

A CCG's transparency page on 127.0.0.1 lists its eight 2020-21 spend files (the real Hounslow CCG
PDFs) on a sub-page per year, plus a link that serves the CMS's HTML error page and a file whose
first download is cut short. The Hounslow Optum figure must come out of the store to the penny;
a second fetch and build must download and rebuild nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from localserver import FakePublisherSite, SiteResource, loopback_only  # noqa: F401
from spend.cli import main
from spend.store.views import connect

NWHO = "nhs-london-2020-21/NWHO"
MONTHS = ["April", "May", "June", "July", "August", "September", "October", "November"]


@pytest.fixture
def site(realdata):
    with FakePublisherSite() as s:
        s.page("/hounslow/spend", '<html><body><a href="/hounslow/spend/2020-21">2020/21</a></body></html>')
        items = "".join(f'<li><a href="/hounslow/docs/NWHO%20{n:02d}%20-%20{m}.pdf">{m} 2020 (PDF)</a></li>'
                        for n, m in enumerate(MONTHS, start=1))
        items += '<li><a href="/hounslow/docs/december-2020.csv">December 2020 (CSV)</a></li>'
        s.page("/hounslow/spend/2020-21", f"<html><body><ul>{items}</ul></body></html>")
        for n, m in enumerate(MONTHS, start=1):
            path = realdata / NWHO / f"NWHO {n:02d} - {m}.pdf"
            s.add(f"/hounslow/docs/NWHO%20{n:02d}%20-%20{m}.pdf",
                  SiteResource(file=path, content_type="application/pdf", etag=f'"{n}"'))
        s.fail("/hounslow/docs/NWHO%2007%20-%20October.pdf", "truncate")  # cut short once, then whole
        s.add("/hounslow/docs/december-2020.csv", SiteResource(
            body=b"<!DOCTYPE html><html><head><title>Page not found</title></head><body>Sorry</body></html>",
            content_type="text/html"))
        yield s


@pytest.mark.slow
def test_fetch_build_and_check_the_hounslow_figure(site, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPEND_DATA", str(tmp_path))
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")
    registry = tmp_path / "publishers.yaml"
    registry.write_text(f"""
- slug: nhs-hounslow-ccg
  name: NHS Hounslow CCG
  kind: ccg
  landing_pages: ["{site.url('/hounslow/spend')}"]
  hints: {{date_order: day-first}}
  corpus: []
  notes: a test copy of the CCG's site
""", encoding="utf-8")

    assert main(["fetch", "--publisher", "nhs-hounslow-ccg", "--registry", str(registry)]) == 1  # December failed
    out = capsys.readouterr()
    assert "Page not found" in out.out + out.err
    raw = tmp_path / "raw" / "spend" / "nhs-hounslow-ccg"
    stored = sorted(p.name for p in raw.rglob("*.pdf"))
    assert stored == [f"NWHO {n:02d} - {m}.pdf" for n, m in enumerate(MONTHS, start=1)]
    assert not list(tmp_path.rglob("*december*")) and not list((tmp_path / "raw").rglob("*.tmp"))
    october = json.loads((raw / "2020-10" / "NWHO 07 - October.pdf.meta.json").read_text())
    assert october["url"] == site.url("/hounslow/docs/NWHO%2007%20-%20October.pdf")
    assert october["landing_page"] == site.url("/hounslow/spend")

    assert main(["build", "--registry", str(registry), "--workers", "2"]) == 0
    assert "8 raw files (8 parsed now, 0 unchanged), 0 failed; 3,055 payments" in capsys.readouterr().out
    con = connect(tmp_path)
    total, url = con.execute(
        "select sum(amount_gbp), min(source_url) from payments_counted "
        "where supplier_name_raw = 'OPTUM HEALTH SOLUTIONS (UK) LTD'").fetchone()
    con.close()
    assert total == Decimal("276000.00") and url.startswith(site.url("/hounslow/docs/"))
    assert main(["figures", "check", "--id", "hounslow-optum-2020"]) == 0
    assert "match" in capsys.readouterr().out

    # Second run: every file answers 304, nothing is written, nothing is parsed or rebuilt.
    before = len(site.log)
    assert main(["fetch", "--publisher", "nhs-hounslow-ccg", "--registry", str(registry)]) == 1  # December still
    pdf_hits = [h for h in site.log[before:] if h.path.endswith(".pdf")]
    assert len(pdf_hits) == 8 and all(h.status == 304 and h.body_bytes == 0 for h in pdf_hits)
    capsys.readouterr()
    assert main(["build", "--registry", str(registry)]) == 0
    assert "nothing changed" in capsys.readouterr().out
