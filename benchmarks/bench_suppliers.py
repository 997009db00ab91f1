"""Benchmark: cluster 100,000 distinct supplier names; compare with all-pairs rapidfuzz cdist.

    .venv/bin/python benchmarks/bench_suppliers.py [--names 100000] [--sample 5000] [--workers 1]

1. Real names: every distinct supplier name the project's parser reads from the shared corpus
   (../shared/realdata, or $SPEND_REALDATA).
2. Realistic variants up to --names distinct names, seeded so every run builds the same list: new
   organisations made from the corpus's own words and legal forms, then typos (a letter dropped, doubled,
   swapped or changed), truncations, suffix changes (LTD / Limited / PLC / (UK) Ltd / none), case and
   punctuation changes, and glued ledger codes.
3. Clustering (`spend.suppliers.resolve_names`, no overrides) runs in a fresh Python process, so its wall
   time and peak resident memory (ru_maxrss) are its own.
4. In the same run: rapidfuzz `process.cdist` over all pairs of a --sample name sample (token_set_ratio,
   the same scorer the blocks use), the clustering of that same sample, their ratio, and what all-pairs
   would cost at --names (time x (names/sample)^2; one byte per pair for the score matrix).

A script, not a timed test: it prints the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60
TARGET_BYTES = 2 * 1024**3

_CHILD = r"""
import json, resource, sys, time
from spend.suppliers import resolve_names, no_overrides, ClusterParams
names = json.load(open(sys.argv[1], encoding="utf-8"))
workers = int(sys.argv[2])
start = time.perf_counter()
resolution = resolve_names(names, overrides=no_overrides(), params=ClusterParams(workers=workers))
seconds = time.perf_counter() - start
decisions = resolution.decisions
out = {
    "seconds": seconds,
    "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "names": len(resolution.names),
    "suppliers": int(resolution.names["supplier_id"].nunique()),
    "pairs_compared": int(len(decisions)),
    "merges": {m: int(n) for m, n in resolution.names["match_method"].value_counts().items()},
    "supplier_of": dict(zip(resolution.names["supplier_name_raw"], resolution.names["supplier_id"])),
}
json.dump(out, open(sys.argv[3], "w", encoding="utf-8"))
"""

SUFFIXES = ["LTD", "LIMITED", "Ltd", "Limited", "PLC", "plc", "(UK) LTD", "UK Limited", "LLP", ""]


def read_corpus_names() -> list[str]:
    from spend.core.config import realdata_dir
    from spend.parse.file import parse_spend_file

    excluded = ("first-upload", ".pdf.csv", "2011-01-payments.csv", "2012-05-payments.csv")
    names: set[str] = set()
    for path in sorted(realdata_dir().glob("**/*")):
        if not path.is_file() or path.suffix.lower() not in {".csv", ".xlsx", ".xls", ".pdf"}:
            continue
        if "catalogue" in path.parts or "contracts-finder" in path.parts or any(x in str(path) for x in excluded):
            continue
        frame = parse_spend_file(path)
        names.update(str(n) for n in frame["supplier_name_raw"].dropna().tolist())
    return sorted(names)


def _base(name: str) -> str:
    return re.sub(r"\s+(LTD|LIMITED|PLC|LLP|\(UK\) LTD)\.?$", "", name.strip(), flags=re.IGNORECASE)


def make_typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["drop", "double", "swap", "change"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice("AEIOURSTLN") + word[i + 1 :]


def make_variant(name: str, rng: random.Random) -> str:
    """One realistic way a publisher might write the same supplier differently."""
    base = _base(name)
    words = base.split()
    kind = rng.choice(["typo", "typo", "truncate", "suffix", "suffix", "case", "punctuation", "code"])
    if kind == "typo" and words:
        i = rng.randrange(len(words))
        words[i] = make_typo(words[i], rng)
        return " ".join(words) + " " + rng.choice(SUFFIXES)
    if kind == "truncate" and len(name) > 20:
        return name[: rng.randint(int(len(name) * 0.6), len(name) - 1)]
    if kind == "case":
        return name.title() if name.isupper() else name.upper()
    if kind == "punctuation":
        return name.replace("&", "AND") if "&" in name else name.replace(" AND ", " & ").replace(" ", "  ", 1) + "."
    if kind == "code":
        return f"UK{rng.randrange(10**9, 10**10)}01 : {name}"
    return base + " " + rng.choice(SUFFIXES)


def make_names(real: list[str], total: int, seed: int = 20210331) -> tuple[list[str], dict[str, str]]:
    """`total` distinct names and, for each generated one, the name it was made from."""
    rng = random.Random(seed)
    words = sorted({w for n in real for w in re.findall(r"[A-Za-z]{4,}", n.upper())})
    names = list(dict.fromkeys(real))
    origin = {n: n for n in names}
    seen = set(names)
    # New organisations made of the corpus's words, so most names are distinct suppliers, as in real data.
    while len(names) < int(total * 0.6):
        name = " ".join(rng.sample(words, rng.choice([1, 2, 2, 3, 3, 4]))) + " " + rng.choice(SUFFIXES)
        name = name.strip()
        if name not in seen:
            seen.add(name)
            names.append(name)
            origin[name] = name
    bases = list(names)
    while len(names) < total:
        source = rng.choice(bases)
        variant = make_variant(source, rng).strip()
        if variant and variant not in seen:
            seen.add(variant)
            names.append(variant)
            origin[variant] = origin[source]
    return names, origin


def run_clustering(names: list[str], workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        names_path, out_path = Path(tmp) / "names.json", Path(tmp) / "out.json"
        names_path.write_text(json.dumps(names), encoding="utf-8")
        subprocess.run([sys.executable, "-c", _CHILD, str(names_path), str(workers), str(out_path)], check=True)
        return json.loads(out_path.read_text(encoding="utf-8"))


def time_all_pairs(sample: list[str], workers: int) -> float:
    import numpy as np
    from rapidfuzz import fuzz, process

    from spend.suppliers import make_key

    keys = [make_key(n) for n in sample]
    start = time.perf_counter()
    process.cdist(keys, keys, scorer=fuzz.token_set_ratio, score_cutoff=70, dtype=np.uint8, workers=workers)
    return time.perf_counter() - start


def score_against_origin(result: dict, origin: dict[str, str], real: set[str]) -> tuple[float, int, int]:
    """How the clustering did on the generated names, whose true origin is known.

    Returns the share of generated variants clustered with the name they were made from, the number of
    suppliers that join names made from two different generated organisations (wrong merges, as far as the
    generator knows), and the number of generated suppliers. Variants that happen to spell another name's key
    exactly (a typo that makes another real word) are left out: no matcher can tell those apart."""
    from spend.suppliers import make_key

    supplier_of = result["supplier_of"]
    origin_key = {o: make_key(o) for o in set(origin.values())}
    owners: dict[str, set[str]] = {}
    for o, k in origin_key.items():
        owners.setdefault(k, set()).add(o)
    variants = [
        (n, o) for n, o in origin.items()
        if n != o and supplier_of.get(n) and supplier_of.get(o) and owners.get(make_key(n), {o}) <= {o}
    ]
    joined = sum(supplier_of[n] == supplier_of[o] for n, o in variants)
    origins_of: dict[str, set[str]] = {}
    for name, o in origin.items():
        sid = supplier_of.get(name)
        if sid and o not in real and owners.get(make_key(name), {o}) <= {o}:
            origins_of.setdefault(sid, set()).add(origin_key[o])
    mixed = sum(1 for keys in origins_of.values() if len(keys) > 1)
    return joined / max(len(variants), 1), mixed, len(origins_of)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=1, help="threads for rapidfuzz (the issue's budget is 2 cores)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    real = read_corpus_names()
    names, origin = make_names(real, args.names)
    print(f"names: {len(real):,} real from the corpus + {len(names) - len(real):,} generated = {len(names):,} distinct "
          f"(built in {time.perf_counter() - start:.1f} s)")

    big = run_clustering(names, args.workers)
    print(f"clustering {big['names']:,} names: {big['seconds']:.1f} s, peak memory {big['peak_rss_bytes'] / 2**20:,.0f} MiB "
          f"(targets: < {TARGET_SECONDS} s, < {TARGET_BYTES / 2**30:.0f} GiB) -> {big['suppliers']:,} suppliers; "
          f"{big['pairs_compared']:,} pair decisions kept; names by method {big['merges']}")
    recall, mixed, generated = score_against_origin(big, origin, set(real))
    print(f"generated variants clustered with the name they were made from: {recall:.1%}; "
          f"suppliers joining two different generated organisations: {mixed:,} of {generated:,}")

    rng = random.Random(7)
    sample = rng.sample(names, min(args.sample, len(names)))
    all_pairs = time_all_pairs(sample, args.workers)
    small = run_clustering(sample, args.workers)
    scale = (len(names) / len(sample)) ** 2
    print(f"all-pairs cdist on {len(sample):,} names: {all_pairs:.2f} s ({len(sample) ** 2:,} pairs); "
          f"clustering the same sample: {small['seconds']:.2f} s (ratio clustering / all-pairs = {small['seconds'] / all_pairs:.2f})")
    print(f"all-pairs at {len(names):,} names, extrapolated: {all_pairs * scale:,.0f} s "
          f"({all_pairs * scale / big['seconds']:.0f} x the blocked clustering) and a {len(names) ** 2 / 2**30:,.1f} GiB "
          f"score matrix (uint8), before any decision is made")
    ok = big["seconds"] < TARGET_SECONDS and big["peak_rss_bytes"] < TARGET_BYTES
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
