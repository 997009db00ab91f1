"""Draft Freedom of Information requests: one plain-text request per paying body, sent to the body that holds
its records now, asking for the contracts behind the payments and the invoices they settled, and citing each
payment by date, amount, transaction and invoice number, the supplier as published with its VAT or company
number, and the file it was published in (the publisher's URL where known, else the file's name and sha256).

The wording is data: `spend/data/foi_request.yaml`, a set of string.Template texts. Who holds a closed body's
records comes from the publisher registry's `successor` chain, and where it takes requests from its
`foi_contact`; a draft says plainly when that address still has to be looked up.
"""

from __future__ import annotations

import functools
import re
import textwrap
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from string import Template

import pandas as pd
import yaml

from spend.analysis.selection import publisher_lineage
from spend.core.files import write_via_temp
from spend.core.money import format_gbp, money_sum
from spend.outputs.export import WITHHELD, Evidence, cell_text, is_web_url

# The letter's lines are at most this long; the prose filled into it is wrapped to match.
WIDTH = 104


@dataclass(frozen=True)
class Addressee:
    """Who a draft is about and who it goes to: the body that made the payments, then each body that took
    over from it in turn (the registry's successors); the last holds the records now."""

    bodies: tuple[str, ...]  # names, the paying body first
    foi_contact: str | None = None  # where the last body takes FOI requests, when the registry knows

    @property
    def publisher(self) -> str:
        return self.bodies[0]

    @property
    def holder(self) -> str:
        return self.bodies[-1]

    @classmethod
    def from_lineage(cls, lineage: list, name: str) -> Addressee:
        """From `spend.analysis.selection.publisher_lineage`; a body the registry does not hold is
        addressed by `name` (the name it prints), with no successor and no FOI address."""
        if not lineage:
            return cls((name,))
        return cls(tuple(p.name for p in lineage), lineage[-1].foi_contact)


@functools.lru_cache(maxsize=1)
def request_texts() -> dict[str, Template]:
    """The wording of a request: spend/data/foi_request.yaml, each text a string.Template."""
    path = resources.files("spend") / "data" / "foi_request.yaml"
    return {name: Template(text) for name, text in yaml.safe_load(path.read_text(encoding="utf-8")).items()}


def _say(name: str, **values) -> str:
    return request_texts()[name].substitute(values)


def _column(name: str) -> int:
    """Where the placeholder $name stands in its line of the letter."""
    return next(line.index(f"${name}") for line in request_texts()["letter"].template.splitlines()
                if f"${name}" in line)


def _prose(name: str, text: str) -> str:
    """`text` wrapped to the letter's width, each line starting where $name stands."""
    indent = " " * _column(name)
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)[len(indent):]


def _listed(name: str, entries: list[str], *, numbered: bool = False) -> str:
    """Entries one under another, each line starting where $name stands; numbered 1., 2., ... with the
    entries' lines aligned after the numbers."""
    width = len(f"{len(entries)}. ") if numbered else 0
    lines = []
    for i, entry in enumerate(entries, start=1):
        label = f"{i}.".rjust(width - 1) + " " if numbered else ""
        lines += [(label if j == 0 else " " * width) + line for j, line in enumerate(entry.splitlines())]
    indent = " " * _column(name)
    return "\n".join(indent + line for line in lines)[len(indent):]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "supplier"


def _published(value) -> str | None:
    """A published identifier, or None when the publisher left it out (or it is withheld)."""
    text = cell_text(value).strip()
    return text if text and text != WITHHELD else None


def draft_foi_request(rows: pd.DataFrame, *, supplier_label: str, addressee: Addressee,
                      fetched_at: dict[str, datetime] | None = None) -> str:
    """The text of one FOI request about the payments in `rows` (export rows of one paying body), sent to
    `addressee.holder`. `fetched_at` (source_file -> time) says when each cited file was retrieved."""
    fetched_at = fetched_at or {}
    missing = _say("not_published")
    payments = []
    for r in rows.itertuples(index=False):
        ids = "".join(_say(f"supplier_{column}", **{column: value}) for column in ("vat_number", "company_number")
                      if (value := _published(getattr(r, column))))
        payments.append(_say(
            "payment", date=cell_text(r.payment_date) or missing, amount=format_gbp(r.amount_gbp),
            transaction=_published(r.transaction_id) or missing, invoice=_published(r.invoice_number) or missing,
            supplier=cell_text(r.supplier_name_raw) or missing, supplier_ids=ids,
            file=Path(str(r.source_file)).name, locator=r.source_locator))
    sources = []
    for f in rows.drop_duplicates("source_file").itertuples(index=False):
        file = Path(str(f.source_file)).name
        if is_web_url(f.source_url):
            when = fetched_at.get(f.source_file)
            retrieved = _say("retrieved", fetched_at=cell_text(when)) if when is not None else ""
            sources.append(_say("source_with_url", file=file, url=f.source_url, sha256=f.source_sha256,
                                retrieved=retrieved))
        else:  # a file:// path names a copy on one machine, not where the publisher put the file
            sources.append(_say("source_without_url", file=file, sha256=f.source_sha256))

    if len(addressee.bodies) > 1:
        made_by = _say("made_by_predecessor", publisher=addressee.publisher, holder=addressee.holder,
                       successors=", then ".join(addressee.bodies[1:]))
    else:
        made_by = _say("made_by_this_body", publisher=addressee.publisher)
    if addressee.foi_contact:
        contact = _say("contact_known", foi_contact=addressee.foi_contact)
    else:
        contact = _say("contact_unknown", holder=addressee.holder)
    return _say(
        "letter", holder=addressee.holder, contact=_prose("contact", contact),
        subject=_say("subject", publisher=addressee.publisher, payee=supplier_label),
        made_by=_prose("made_by", made_by), invoices=_prose("invoices", _invoices(rows)),
        count=len(rows), total=format_gbp(money_sum(rows["amount_gbp"])), publisher=addressee.publisher,
        payments=_listed("payments", payments, numbered=True), sources=_listed("sources", sources))


def _invoices(rows: pd.DataFrame) -> str:
    """The request for the invoices, citing the numbers the publisher gave (in the order paid)."""
    numbers = [n for n in dict.fromkeys(_published(v) for v in rows["invoice_number"]) if n]
    unnumbered = [_published(t) or _say("not_published")
                  for t, n in zip(rows["transaction_id"], rows["invoice_number"]) if not _published(n)]
    if not numbers:
        return _say("invoices_unnumbered")
    if not unnumbered:
        return _say("invoices_numbered", invoice_numbers=", ".join(numbers))
    return _say("invoices_partly_numbered", invoice_numbers=", ".join(numbers), transactions=", ".join(unnumbered))


def _payee(rows: pd.DataFrame) -> str:
    """The payee as the publisher printed it, so the officer can find it in their ledger."""
    payees = [n for n in dict.fromkeys(rows["supplier_name_raw"].dropna()) if n != WITHHELD]
    if not payees:
        return _say("payee_withheld")
    if len(payees) > 3:
        return _say("payee_others", payees="; ".join(payees[:3]))
    return "; ".join(payees)


def write_foi_drafts(evidence: Evidence, out_dir: str | Path, *, supplier_label: str | None = None,
                     data_dir: str | Path | None = None) -> list[Path]:
    """One draft request per paying body, `<out_dir>/foi-<publisher_id>-<supplier>.txt`, addressed to the
    body that holds its records now (the publisher registry of `data_dir`: the package's and the data
    folder's own); returns the paths."""
    out_dir = Path(out_dir)
    written = []
    for publisher_id, rows in evidence.rows.groupby("publisher_id", sort=True):
        names = rows["publisher"].dropna()
        printed = names.mode().iat[0] if not names.empty else publisher_id
        addressee = Addressee.from_lineage(publisher_lineage(publisher_id, data_dir), printed)
        text = draft_foi_request(rows, supplier_label=supplier_label or _payee(rows), addressee=addressee,
                                 fetched_at=evidence.fetched_at)
        path = out_dir / f"foi-{publisher_id}-{_slug(evidence.match.text)}.txt"
        written.append(write_via_temp(path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8")))
    return written
