"""Draft Freedom of Information requests: one plain-text request per publisher that cites each payment by
date, transaction id, amount and the file and place it was published."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from spend.core.files import write_via_temp
from spend.core.money import format_gbp, money_sum
from spend.outputs.export import WITHHELD, Evidence, cell_text


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "supplier"


def draft_foi_request(rows: pd.DataFrame, *, supplier_label: str, publisher_name: str) -> str:
    """The text of one FOI request to one publisher about the payments in `rows`."""
    total = money_sum(rows["amount_gbp"])
    listing = []
    for i, r in enumerate(rows.itertuples(index=False), start=1):
        file_name = Path(str(r.source_file)).name
        listing.append(
            f"{i:>3}. {cell_text(r.payment_date) or 'date not published'}  transaction {r.transaction_id or 'not given'}"
            f"  {format_gbp(r.amount_gbp)}\n"
            f"     published in {file_name}, {r.source_locator}")
    files = rows.drop_duplicates("source_file")
    sources = [f"  {Path(str(f.source_file)).name}: sha256 {f.source_sha256}"
               + (f"\n    {f.source_url}" if isinstance(f.source_url, str) and f.source_url else "")
               for f in files.itertuples(index=False)]
    return "\n".join([
        f"To: {publisher_name}, Freedom of Information",
        f"Subject: Freedom of Information request - payments to {supplier_label}",
        "",
        "Dear Freedom of Information officer,",
        "",
        f"{publisher_name} published the payments listed below in its spending transparency files (payments",
        "over the publication threshold). Under section 1 of the Freedom of Information Act 2000, please send me,",
        "for each of them:",
        "",
        "  1. the contract, order or other agreement under which the payment was made, with its start and end",
        "     dates and total value (or, if it was advertised, its Contracts Finder or Find a Tender reference);",
        "  2. the invoice or invoices the payment settled;",
        "  3. what the payment was for: the goods, services or work supplied, and the period they cover.",
        "",
        f"The payments ({len(rows)}, {format_gbp(total)} in all), as {publisher_name} published them:",
        "",
        *listing,
        "",
        "The files cited above, as I hold them:",
        *sources,
        "",
        "If the cost of answering in full would exceed the appropriate limit, please tell me which part you can",
        "answer within it (section 16 asks you to advise and assist). If you withhold any information, please",
        "release the rest and say which exemption applies to which part. Electronic copies are fine.",
        "",
        "Yours faithfully,",
        "",
        "[your name]",
        "",
    ])


def write_foi_drafts(evidence: Evidence, out_dir: str | Path, *, supplier_label: str | None = None) -> list[Path]:
    """One draft request per publisher, `<out_dir>/foi-<publisher_id>-<supplier>.txt`; returns the paths."""
    out_dir = Path(out_dir)
    written = []
    for publisher_id, rows in evidence.rows.groupby("publisher_id", sort=True):
        names = rows["publisher"].dropna()
        publisher_name = names.mode().iat[0] if not names.empty else publisher_id
        # Address the payee as the publisher printed it, so the officer can find it in their ledger.
        payees = [n for n in dict.fromkeys(rows["supplier_name_raw"].dropna()) if n != WITHHELD]
        label = supplier_label or "; ".join(payees[:3]) + (" and others" if len(payees) > 3 else "")
        label = label or "an individual (name withheld)"
        text = draft_foi_request(rows, supplier_label=label, publisher_name=publisher_name)
        path = out_dir / f"foi-{publisher_id}-{_slug(evidence.match.text)}.txt"
        written.append(write_via_temp(path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8")))
    return written
