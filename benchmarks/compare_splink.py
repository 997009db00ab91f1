"""Compare splink (probabilistic record linkage, DuckDB backend) with spend's own supplier matching.

    PYTHONPATH=src .venv/bin/python benchmarks/compare_splink.py      (needs the `compare` extra: splink)

What it measures, on the labelled supplier-name pairs in tests/data (the fresh set, drawn from
../shared/realdata-more and never tuned on, and the older set the rules were tuned on):

1. The population: every distinct published supplier name in the payments of the real files
   (../shared/realdata-more and ../shared/realdata, read by the project's parser; third parties' `*.pdf.csv`
   extractions, first uploads, and Lambeth's two pivot tables left out, as the corpus tests do), plus any
   labelled name the parser no longer reads that way (the fresh set was drawn before a PDF fix that split
   cells printed against each other, e.g. 'UNIVERSITY9'); those come with the name only.
2. The fields, the same for both methods: the name; VAT and Companies House numbers where the payments
   carry them (the `vat_number` and `company_number` columns, a 'VAT registration' column kept in
   `extra_fields`, numbers glued onto the name), canonicalised by `spend.suppliers.identifiers`; for splink
   also the supplier's post code where published (spend's matching does not use post codes).
3. splink: one record per distinct name (cleaned name = `spend.suppliers.make_key`), dedupe_only, trained
   as its documentation sets out: the probability that two random records match from exact cleaned-name
   matches (taken to find 70% of the true pairs), u by random sampling (5 million pairs, seeded), m by
   expectation maximisation on two blocking rules (pairs sharing a post code train the name levels, pairs
   sharing a cleaned name train the others; company numbers are too rare to train and keep splink's
   defaults); predict on the blocked pairs; connected-components clusters at match probability 0.2, 0.5,
   0.9 and 0.99. Two models: `splink+tf` adjusts the exact-name level for how often the cleaned name
   occurs, as splink's own NameComparison does; `splink` does not (here a cleaned name shared by many
   records is one organisation published in many spellings, not a common name, so the adjustment works
   against the matches).
4. spend: `resolve_names` on the same names with the same identifiers and no overrides.
5. A labelled pair counts as merged when both names land in the same cluster (splink) or have the same
   supplier_id (spend; names spend sets aside as not suppliers have none). Printed per method: TP, FP, FN,
   TN, precision, recall and wall time, in the same run. Times run from the shared inputs (names, identifier
   store, post codes) to the clusters: for splink its records, training, prediction and clustering.

A script, not a test: it prints the figures (parsing the files first takes one to two minutes).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from spend.core.config import PROJECT_ROOT, realdata_dir, realdata_more_dir
from spend.parse import parse_file
from spend.suppliers import IdentifierStore, identifiers_from_payments, make_key, no_overrides, resolve_names

PAIR_SETS = {
    "fresh": PROJECT_ROOT / "tests" / "data" / "supplier_pairs_fresh.csv",
    "tuned": PROJECT_ROOT / "tests" / "data" / "supplier_pairs.csv",
}
THRESHOLDS = (0.2, 0.5, 0.9, 0.99)
SPEND_FILES = {".csv", ".xlsx", ".xls", ".pdf"}
LEFT_OUT = ("first-upload", "catalogue", "contracts-finder", "2011-01-payments.csv", "2012-05-payments.csv")
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


# ---------------------------------------------------------------- inputs shared by both methods

def read_payments() -> pd.DataFrame:
    frames = []
    for root in (realdata_more_dir(), realdata_dir()):
        for path in sorted(root.rglob("*")):
            if (not path.is_file() or path.suffix.lower() not in SPEND_FILES or path.name.endswith(".pdf.csv")
                    or path.name == "EXPECTED.csv" or any(part in str(path) for part in LEFT_OUT)):
                continue
            frames.append(parse_file(path).payments)
    return pd.concat(frames, ignore_index=True)


def read_pairs(path: Path) -> pd.DataFrame:
    pairs = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    return pairs.assign(same=pairs["same"].astype(int))


def read_identifiers(payments: pd.DataFrame) -> IdentifierStore:
    """The project's identifiers from the payments, plus VAT numbers a file published in a column the parser
    keeps in extra_fields ('VAT registration')."""
    store = identifiers_from_payments(payments)
    extra = payments.dropna(subset=["extra_fields", "supplier_name_raw"])
    for name, fields in zip(extra["supplier_name_raw"], extra["extra_fields"]):
        vat = json.loads(fields).get("VAT registration")
        if vat:
            store.add(str(name), "vat_number", vat, source="VAT registration column")
    return store


def read_postcodes(payments: pd.DataFrame) -> dict[str, str]:
    """Each name's most often published valid post code, written 'OUTWARD INWARD'."""
    counts: dict[str, Counter] = {}
    rows = payments.dropna(subset=["supplier_postcode", "supplier_name_raw"])
    for name, code in zip(rows["supplier_name_raw"], rows["supplier_postcode"]):
        match = POSTCODE.match(re.sub(r"\s+", " ", str(code).strip().upper()))
        if match:
            counts.setdefault(str(name), Counter())[f"{match[1]} {match[2]}"] += 1
    return {name: c.most_common(1)[0][0] for name, c in counts.items()}


# ---------------------------------------------------------------- splink

def splink_records(names: list[str], store: IdentifierStore, postcode_of: dict[str, str]) -> pd.DataFrame:
    def first(name: str, scheme: str) -> str | None:
        values = sorted(i.value for i in store.for_name(name) if i.base_scheme == scheme)
        return values[0] if values else None

    rows = []
    for uid, name in enumerate(names):
        key = make_key(name) or None
        rows.append({
            "unique_id": uid,
            "name_raw": name,
            "name_key": key,
            "first_word": key.split()[0] if key else None,
            "vat_number": first(name, "vat_number"),
            "company_number": first(name, "company_number"),
            "postcode": postcode_of.get(name),
        })
    return pd.DataFrame(rows)


def splink_settings(tf: bool):
    """Cleaned name at exact, Levenshtein <= 2 and Jaro-Winkler 0.95 / 0.88 / 0.70 levels (with `tf`, the exact
    level is adjusted for how often the cleaned name occurs, as splink's NameComparison does); VAT and company
    numbers exact; splink's PostcodeComparison (full, sector, district, area). Pairs to score: those sharing
    the cleaned name's first word, a VAT or company number, or a post code."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        output_column_name="name_key",
        comparison_levels=[
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=tf),
            cll.LevenshteinLevel("name_key", 2),
            cll.JaroWinklerLevel("name_key", 0.95),
            cll.JaroWinklerLevel("name_key", 0.88),
            cll.JaroWinklerLevel("name_key", 0.70),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            name,
            cl.ExactMatch("vat_number"),
            cl.ExactMatch("company_number"),
            cl.PostcodeComparison("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_word"),
            block_on("vat_number"),
            block_on("company_number"),
            block_on("postcode"),
        ],
        additional_columns_to_retain=["name_raw"],
    )


def run_splink(names: list[str], store: IdentifierStore, postcode_of: dict[str, str], *, tf: bool):
    """Train, predict and cluster. Returns ({threshold: {name: cluster}}, {step: seconds}, scored pairs)."""
    from splink import DuckDBAPI, Linker, block_on

    seconds = {}
    start = time.perf_counter()
    records = splink_records(names, store, postcode_of)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(records, dataset_display_name="names"), splink_settings(tf), log_level=None)
    training = linker.training
    # Prior: pairs with the same cleaned name, taken to be 70% of the true pairs. With one record per distinct
    # name, the same pairs set the u of the exact-name level, so a pair agreeing on the cleaned name and
    # nothing else scores about m / (m + 0.7) whatever the data: 0.59 at best (m = 1).
    training.estimate_probability_two_random_records_match([block_on("name_key")], recall=0.7)
    training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    # m by EM, each rule training the comparisons it does not block on: pairs sharing a post code train the
    # name levels; pairs sharing a cleaned name train the VAT, company number and post code levels.
    training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    training.estimate_parameters_using_expectation_maximisation(block_on("name_key"))
    seconds["train"] = time.perf_counter() - start

    start = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=min(THRESHOLDS), warning_mode="never")
    seconds["predict"] = time.perf_counter() - start

    clusters = {}
    for threshold in THRESHOLDS:
        start = time.perf_counter()
        frame = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold).as_pandas_dataframe()
        seconds[threshold] = time.perf_counter() - start
        clusters[threshold] = dict(zip(frame["name_raw"], frame["cluster_id"]))
    scored = predictions.as_pandas_dataframe()[["name_raw_l", "name_raw_r", "match_probability"]]
    return clusters, seconds, scored


# ---------------------------------------------------------------- spend

def run_spend(names: list[str], store: IdentifierStore):
    start = time.perf_counter()
    resolution = resolve_names(names, identifiers=store, overrides=no_overrides())
    seconds = time.perf_counter() - start
    frame = resolution.names
    return dict(zip(frame["supplier_name_raw"], frame["supplier_id"])), seconds


# ---------------------------------------------------------------- judging

def merged(group_of: dict, a: str, b: str) -> bool:
    ga, gb = group_of.get(a), group_of.get(b)
    return ga is not None and not pd.isna(ga) and ga == gb


def confusion(pairs: pd.DataFrame, group_of: dict) -> dict:
    said = [merged(group_of, a, b) for a, b in zip(pairs["name_a"], pairs["name_b"])]
    same = pairs["same"].astype(bool).tolist()
    tp = sum(s and m for s, m in zip(same, said))
    fp = sum(m and not s for s, m in zip(same, said))
    fn = sum(s and not m for s, m in zip(same, said))
    tn = sum(not s and not m for s, m in zip(same, said))
    return {"TP": tp, "FP": fp, "FN": fn, "TN": tn,
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan")}


def print_table(pairs: pd.DataFrame, methods: list[tuple[str, dict, float]], base_seconds: float) -> None:
    print(f"{'method':<24}{'TP':>5}{'FP':>5}{'FN':>5}{'TN':>5}{'precision':>11}{'recall':>8}"
          f"{'time s':>9}{'x spend':>9}")
    for label, group_of, seconds in methods:
        c = confusion(pairs, group_of)
        print(f"{label:<24}{c['TP']:>5}{c['FP']:>5}{c['FN']:>5}{c['TN']:>5}{c['precision']:>11.3f}"
              f"{c['recall']:>8.3f}{seconds:>9.2f}{seconds / base_seconds:>9.1f}")


def print_errors(pairs: pd.DataFrame, clusters: dict, scored: pd.DataFrame, shown: int = 3) -> None:
    probability = {frozenset((a, b)): p for a, b, p in scored.itertuples(index=False)}
    for threshold, group_of in clusters.items():
        said = [merged(group_of, a, b) for a, b in zip(pairs["name_a"], pairs["name_b"])]
        wrong = [(a, b) for a, b, s, m in zip(pairs["name_a"], pairs["name_b"], pairs["same"], said) if m and not s]
        missed = [(a, b) for a, b, s, m in zip(pairs["name_a"], pairs["name_b"], pairs["same"], said) if s and not m]
        print(f"  at p>={threshold}: {len(wrong)} wrong merges, {len(missed)} misses")
        for kind, examples in (("wrong merge", wrong), ("miss", missed)):
            for a, b in examples[:shown]:
                p = probability.get(frozenset((a, b)))
                if p is not None:
                    why = f"p={p:.3f}"
                elif kind == "wrong merge":
                    why = "joined through other names"
                else:
                    why = f"scored below {min(THRESHOLDS)}, or never compared"
                print(f"    {kind}: {a!r} / {b!r} ({why})")


def main() -> int:
    logging.getLogger("splink").setLevel(logging.ERROR)
    import splink

    start = time.perf_counter()
    payments = read_payments()
    pair_sets = {label: read_pairs(path) for label, path in PAIR_SETS.items()}
    published = {str(n) for n in payments["supplier_name_raw"].dropna() if str(n).strip()}
    labelled = {n for p in pair_sets.values() for n in (*p["name_a"], *p["name_b"])}
    names = sorted(published | labelled)
    store = read_identifiers(payments)
    postcode_of = read_postcodes(payments)

    def having(scheme: str) -> int:
        return sum(any(i.base_scheme == scheme for i in store.for_name(n)) for n in names)

    print(f"population: {len(names):,} distinct names ({len(published):,} from {len(payments):,} payments, "
          f"{len(labelled - published):,} labelled names the parser no longer reads that way); with a VAT number "
          f"{having('vat_number'):,}, a company number {having('company_number'):,}, a post code "
          f"{sum(n in postcode_of for n in names):,} (files read in {time.perf_counter() - start:.0f} s)")

    supplier_of, spend_seconds = run_spend(names, store)
    methods = [("spend resolve_names", supplier_of, spend_seconds)]
    runs = {}
    for tf, label in ((True, "splink+tf"), (False, "splink")):
        clusters, seconds, scored = run_splink(names, store, postcode_of, tf=tf)
        runs[label] = (clusters, scored)
        before = seconds["train"] + seconds["predict"]
        methods += [(f"{label} p>={t}", clusters[t], before + seconds[t]) for t in THRESHOLDS]
        print(f"{label}: trained in {seconds['train']:.2f} s, predicted {len(scored):,} pairs at p>={min(THRESHOLDS)} "
              f"in {seconds['predict']:.2f} s, clustered in "
              + ", ".join(f"{seconds[t]:.2f} s (p>={t})" for t in THRESHOLDS))
    print(f"splink {splink.__version__} (DuckDB backend); splink+tf: the exact name level adjusted for the cleaned "
          f"name's frequency; times: from the names to the clusters (splink: records, training, prediction, "
          f"clustering at that threshold)")

    for label, pairs in pair_sets.items():
        print(f"\n{label} set ({PAIR_SETS[label].name}): {len(pairs)} pairs, {pairs['same'].sum()} same")
        print_table(pairs, methods, spend_seconds)

    clusters, scored = runs["splink"]
    print("\nsplink (no tf) on the fresh set, examples of its errors:")
    print_errors(pair_sets["fresh"], clusters, scored)
    print("splink (no tf) on the tuned set at its lowest threshold:")
    print_errors(pair_sets["tuned"], {min(THRESHOLDS): clusters[min(THRESHOLDS)]}, scored)
    return 0


if __name__ == "__main__":
    sys.exit(main())
