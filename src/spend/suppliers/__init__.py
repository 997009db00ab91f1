"""Supplier identities: which published names are the same supplier, explained and reversible.

Main entry points:
    annotate_payments(payments)  -> payments + supplier_id, supplier_name, match_method, match_score,
                                    supplier_kind, supplier_group, supplier_sector
    resolve_names(names)         -> SupplierResolution (per name, per supplier, every pair decision)
    make_key(name)               -> the normalisation key ('OPTUM HEALTH SOLUTIONS (UK) LTD' -> 'OPTUM HEALTH SOLUTIONS')
    classify_name(name)          -> organisation, person, code_only, redacted, total, placeholder, blank
    classify_sector(name, kind)  -> nhs, public, charity, company, individual, excluded, unknown
    compare_keys(a, b)           -> a banded, explained comparison of two keys
See spend/cli/suppliers.py for `spend suppliers review | apply | report`; spend.suppliers.reference for
public bodies by official identity, spend.suppliers.groups for corporate groups.
"""

from spend.suppliers.clusters import ClusterParams, make_supplier_id
from spend.suppliers.identifiers import IdentifierStore, identifiers_from_payments
from spend.suppliers.keys import make_key, parse_name
from spend.suppliers.kinds import classify_name
from spend.suppliers.overrides import load_overrides, no_overrides
from spend.suppliers.resolution import MATCH_COLUMNS, SupplierResolution, annotate_payments, resolve_names, resolve_payments
from spend.suppliers.sectors import SECTORS, classify_sector
from spend.suppliers.similarity import compare_keys

__all__ = [
    "ClusterParams", "IdentifierStore", "MATCH_COLUMNS", "SECTORS", "SupplierResolution", "annotate_payments",
    "classify_name", "classify_sector", "compare_keys", "identifiers_from_payments", "load_overrides", "make_key",
    "make_supplier_id", "no_overrides", "parse_name", "resolve_names", "resolve_payments",
]
