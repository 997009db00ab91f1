"""OCDS documents to flat rows: one notice per release, its awards, and each award's suppliers.

Pure functions: a parsed document in, dictionaries out. Both OCDS 1.0 (suppliers and buyer as
full organisations inline) and 1.1 (`parties`, referenced by id) are read. Party ids are only
unique within one release (Find a Tender's documentation: "Party (buyer or supplier) IDs are
unique within a release"; Contracts Finder numbers its suppliers "1", "2"... in every release),
so suppliers are looked up in their own release's `parties` and nowhere else.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from spend.notices.decode import clean_text, normalise_company_number, parse_amount, parse_timestamp

# OCDS 1.0 Contracts Finder releases give the anticipated contract dates as tender milestones,
# not as tender.contractPeriod (see ../shared/realdata/contracts-finder/ocds-2018-records/releases).
CONTRACT_PERIOD_MILESTONES = {"Contract start": "startDate", "Contract end": "endDate"}

# OCDS 1.1 `details.scale` (party scale extension) as an SME flag.
SME_SCALES = {"sme": True, "micro": True, "small": True, "medium": True, "large": False}

# The Companies House identifier scheme (org-id.guide, GB-COH).
COMPANIES_HOUSE = "GB-COH"

# Packages written before OCDS 1.1 carry no `version`.
DEFAULT_OCDS_VERSION = "1.0"


class NotOcds(Exception):
    """The document is JSON but not an OCDS package, record or release."""


@dataclass(frozen=True)
class Origin:
    """Where rows come from: the stored file, its sha256, and the URL it was fetched from."""

    source_file: str
    source_sha256: str
    source_url: str | None = None


def document_kind(document: Any) -> str:
    """'release_package', 'record_package', 'record', 'release', 'search' (Contracts Finder's
    notice-search answer: not OCDS) or 'unknown'."""
    if not isinstance(document, dict):
        return "unknown"
    if isinstance(document.get("records"), list):
        return "record_package"
    if "compiledRelease" in document or "versionedRelease" in document:
        return "record"
    if isinstance(document.get("releases"), list):
        return "record" if "ocid" in document else "release_package"
    if "ocid" in document and "id" in document:
        return "release"
    if "noticeList" in document or "hitCount" in document:
        return "search"
    return "unknown"


def iter_releases(document: Any) -> Iterator[tuple[str, Any, str]]:
    """(locator, release, OCDS version) for every release in a document.

    A record yields its embedded releases; only when it embeds none (linked releases are just
    URLs) does it yield its compiled release, so a record never counts a notice twice.
    """
    kind = document_kind(document)
    if kind == "release_package":
        version = _version(document, DEFAULT_OCDS_VERSION)
        for index, release in enumerate(document["releases"]):
            yield f"releases[{index}]", release, _version(release, version)
    elif kind == "record_package":
        version = _version(document, DEFAULT_OCDS_VERSION)
        for index, record in enumerate(document["records"]):
            for locator, release, release_version in _iter_record(record, version):
                yield f"records[{index}].{locator}", release, release_version
    elif kind == "record":
        yield from _iter_record(document, DEFAULT_OCDS_VERSION)
    elif kind == "release":
        yield "", document, _version(document, DEFAULT_OCDS_VERSION)
    else:
        raise NotOcds(f"a {kind} document, not an OCDS package, record or release")


def _iter_record(record: Any, version: str) -> Iterator[tuple[str, Any, str]]:
    if not isinstance(record, dict):
        raise NotOcds("a record that is not an object")
    embedded = [(i, r) for i, r in enumerate(record.get("releases") or []) if isinstance(r, dict) and "id" in r]
    if embedded:
        for index, release in embedded:
            yield f"releases[{index}]", release, _version(release, version)
    elif isinstance(record.get("compiledRelease"), dict):
        compiled = record["compiledRelease"]
        yield "compiledRelease", compiled, _version(compiled, version)


def _version(document: dict[str, Any], default: str) -> str:
    value = document.get("version")
    return str(value) if value else default


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class _Row:
    """Collects one row's warnings while its fields are read."""

    __slots__ = ("repairs", "warnings")

    def __init__(self, repairs: Counter):
        self.repairs = repairs
        self.warnings: list[str] = []

    def text(self, value: Any, name: str) -> str | None:
        cleaned = clean_text(value, self.repairs)
        if isinstance(value, str) and ("&" in value or "<" in value) and cleaned != value.strip():
            self.warnings.append(f"{name}: HTML unescaped")
        return cleaned

    def time(self, value: Any, name: str) -> datetime | None:
        moment = parse_timestamp(value, self.repairs)
        if moment is None and value not in (None, ""):
            self.warnings.append(f"{name}: {value!r} is not a date")
        return moment

    def money(self, value: Any, name: str) -> tuple[Any, str | None, str | None]:
        value = _dict(value)
        amount, raw, warning = parse_amount(value.get("amount"), self.repairs)
        if warning:
            self.warnings.append(f"{name}: {warning}")
        return amount, raw, _id(value.get("currency"))

    def joined(self) -> str | None:
        return "; ".join(self.warnings) or None


def flatten_release(
    release: Any, *, locator: str, version: str, origin: Origin, repairs: Counter
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """One release as (notice row, award rows, award-supplier rows).

    Raises `ValueError` if the release has no `ocid` or no `id` (it cannot be identified)."""
    if not isinstance(release, dict):
        raise ValueError("release is not an object")
    ocid, release_id = _id(release.get("ocid")), _id(release.get("id"))
    if not ocid or not release_id:
        raise ValueError("release without ocid or id")
    provenance = {
        "source_file": origin.source_file,
        "source_sha256": origin.source_sha256,
        "source_url": origin.source_url,
    }
    parties = {str(p["id"]): p for p in _list(release.get("parties")) if isinstance(p, dict) and p.get("id") is not None}
    tender = _dict(release.get("tender"))

    row = _Row(repairs)
    buyer, buyer_party = _buyer(release, parties)
    value, value_raw, currency = row.money(tender.get("value"), "value")
    period = _contract_period(tender)
    notice = {
        "ocid": ocid,
        "release_id": release_id,
        "date": row.time(release.get("date"), "date"),
        "tag": ",".join(str(t) for t in release["tag"]) if isinstance(release.get("tag"), list) else _id(release.get("tag")),
        "buyer_name": row.text(buyer.get("name") or _dict(buyer_party).get("name"), "buyer_name"),
        "buyer_id": _id(buyer.get("id")),
        "buyer_identifier": _identifier(_dict(buyer_party).get("identifier") or buyer.get("identifier")),
        "title": row.text(tender.get("title") or release.get("title"), "title"),
        "description": row.text(tender.get("description") or release.get("description"), "description"),
        "value_amount": value,
        "value_amount_raw": value_raw,
        "value_currency": currency,
        "procurement_method": _id(tender.get("procurementMethod")),
        "procurement_method_details": row.text(tender.get("procurementMethodDetails"), "procurement_method_details"),
        "cpv": _cpv_codes(tender),
        "contract_period_start": row.time(period.get("startDate"), "contract_period_start"),
        "contract_period_end": row.time(period.get("endDate"), "contract_period_end"),
        "ocds_version": version,
        "source_locator": locator or "release",
        **provenance,
    }
    notice["row_warnings"] = row.joined()

    awards, suppliers = [], []
    prefix = f"{locator}." if locator else ""
    for award_index, award in enumerate(_list(release.get("awards"))):
        award = _dict(award)
        row = _Row(repairs)
        award_id = _id(award.get("id"))
        if award_id is None:
            row.warnings.append("award without id")
        value, value_raw, currency = row.money(award.get("value"), "value")
        period = _dict(award.get("contractPeriod"))
        award_locator = f"{prefix}awards[{award_index}]"
        awards.append(
            {
                "ocid": ocid,
                "release_id": release_id,
                "award_id": award_id,
                "date": row.time(award.get("date"), "date"),
                "status": _id(award.get("status")),
                "title": row.text(award.get("title"), "title"),
                "value_amount": value,
                "value_amount_raw": value_raw,
                "value_currency": currency,
                "contract_period_start": row.time(period.get("startDate"), "contract_period_start"),
                "contract_period_end": row.time(period.get("endDate"), "contract_period_end"),
                "row_warnings": row.joined(),
                "source_locator": award_locator,
                **provenance,
            }
        )
        for supplier_index, reference in enumerate(_list(award.get("suppliers"))):
            suppliers.append(
                _supplier(
                    _dict(reference), parties, ocid, release_id, award_id, repairs,
                    f"{award_locator}.suppliers[{supplier_index}]", provenance,
                )
            )
    return notice, awards, suppliers


def _buyer(release: dict[str, Any], parties: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The release's buyer reference (1.1) or organisation (1.0), and its entry in `parties`."""
    buyer = _dict(release.get("buyer"))
    if buyer:
        party = parties.get(str(buyer["id"])) if buyer.get("id") is not None else None
        return buyer, party
    for party in parties.values():
        if "buyer" in _list(party.get("roles")):
            return {"id": party.get("id"), "name": party.get("name")}, party
    return {}, None


def _supplier(
    reference: dict[str, Any],
    parties: dict[str, Any],
    ocid: str,
    release_id: str,
    award_id: str | None,
    repairs: Counter,
    locator: str,
    provenance: dict[str, Any],
) -> dict[str, Any]:
    row = _Row(repairs)
    party_id = _id(reference.get("id"))
    party = parties.get(party_id) if party_id is not None else None
    if party_id is not None and party is None and parties:
        row.warnings.append(f"supplier id {party_id!r} is not among this release's parties")
    organisation = party or reference  # OCDS 1.0 puts the whole organisation in the award
    identifier = _dict(organisation.get("identifier") or reference.get("identifier"))
    scheme, identifier_id = _id(identifier.get("scheme")), _id(identifier.get("id"))
    company_number = None
    if scheme == COMPANIES_HOUSE:
        company_number = normalise_company_number(identifier_id)
        if identifier_id and company_number is None:
            row.warnings.append(f"GB-COH id {identifier_id!r} is not a company number")
    else:
        for extra in _list(organisation.get("additionalIdentifiers")):
            extra = _dict(extra)
            if _id(extra.get("scheme")) == COMPANIES_HOUSE:
                company_number = normalise_company_number(extra.get("id"))
                if company_number:
                    break
    return {
        "ocid": ocid,
        "release_id": release_id,
        "award_id": award_id,
        "supplier_party_id": party_id,
        "supplier_name_raw": row.text(reference.get("name") or organisation.get("name"), "supplier_name_raw"),
        "identifier_scheme": scheme,
        "identifier_id": identifier_id,
        "company_number": company_number,
        "sme": _sme(organisation),
        "row_warnings": row.joined(),
        "source_locator": locator,
        **provenance,
    }


def _sme(organisation: dict[str, Any]) -> bool | None:
    # Contracts Finder publishes a boolean `sme` on each party; OCDS 1.1 has `details.scale`.
    flag = organisation.get("sme")
    if isinstance(flag, bool):
        return flag
    scale = _dict(organisation.get("details")).get("scale")
    return SME_SCALES.get(str(scale).lower()) if scale is not None else None


def _identifier(identifier: Any) -> str | None:
    identifier = _dict(identifier)
    scheme, value = _id(identifier.get("scheme")), _id(identifier.get("id"))
    return f"{scheme}-{value}" if scheme and value else None


def _contract_period(tender: dict[str, Any]) -> dict[str, Any]:
    period = _dict(tender.get("contractPeriod"))
    if period.get("startDate") or period.get("endDate"):
        return period
    found: dict[str, Any] = {}
    for milestone in _list(tender.get("milestones")):
        milestone = _dict(milestone)
        key = CONTRACT_PERIOD_MILESTONES.get(str(milestone.get("title") or "").strip())
        if key and milestone.get("dueDate"):
            found[key] = milestone["dueDate"]
    return found


def _cpv_codes(tender: dict[str, Any]) -> str | None:
    """Every CPV code of the tender and its items, in order of appearance, joined by ';'."""
    classifications = [tender.get("classification"), *_list(tender.get("additionalClassifications"))]
    for item in _list(tender.get("items")):
        item = _dict(item)
        classifications.append(item.get("classification"))
        classifications.extend(_list(item.get("additionalClassifications")))
    codes: dict[str, None] = {}
    for classification in classifications:
        classification = _dict(classification)
        if str(classification.get("scheme") or "").upper() == "CPV" and _id(classification.get("id")):
            codes[_id(classification["id"])] = None  # type: ignore[index]
    return ";".join(codes) or None
