"""Clustering supplier keys into suppliers: overrides, then shared identifiers, then fuzzy matching.

The unit is the key (every published spelling with the same key is already one supplier). Keys are joined
by edges, strongest evidence first:

1. override: the analysts' `same` and `assign` decisions;
2. identifier: a shared Companies House number, or one official identity from the reference table (a
   public body's ODS or ONS code, a trading name's company: method 'reference'); a shared VAT number or
   publisher code when the names do not contradict each other (otherwise the pair goes to review: VAT
   groups share one number);
3. fuzzy: pairs of keys found inside blocks (same first word, same rarest word, same first letters) and
   banded by `spend.suppliers.similarity.compare_keys`; only the accept band merges.

No merge may put together two keys the analysts said `never` to, two different pinned ids, two different
Companies House numbers, two different official identities, or (for identifier and fuzzy merges) two names
that contradict each other; such a
blocked merge is kept as a decision with the reason, for review. Every edge is recorded, so each key's
membership can be explained and undone with a `never` override.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from spend.suppliers.identifiers import Identifier
from spend.suppliers.kinds import EXACT_ONLY_KINDS
from spend.suppliers.overrides import Overrides, no_overrides
from spend.suppliers.similarity import Comparison, compare_keys, profile_key

METHOD_RANK = {"fuzzy": 0, "identifier": 1, "reference": 2, "override": 3, "exact": 4}
REFERENCE = "reference"  # the identifier scheme of an official identity (spend.suppliers.reference)
# Comparison patterns under which a shared VAT number or ledger code is not enough to merge two names.
NAMES_DIFFER = frozenset({"extension", "body_type", "conflict", "numbers", "dissimilar", "acronym"})


@dataclass(frozen=True)
class ClusterParams:
    fuzzy: bool = True
    prefilter_cutoff: float = 70.0  # similarity a pair in a block needs before it is compared in full
    small_block: int = 40  # blocks up to this size are compared pair by pair without the prefilter
    max_block: int = 5000  # larger blocks are split by their second word
    prefix_chars: int = 8  # length of the letters-only prefix used as a block
    rare_words: int = 2  # each key is blocked under this many of its rarest words
    workers: int = 1  # threads for rapidfuzz's cdist (-1: all cores)


@dataclass(frozen=True)
class PairDecision:
    key_a: str
    key_b: str
    method: str  # 'override', 'identifier' or 'fuzzy'
    band: str  # 'accept', 'review' or 'reject'
    score: float
    pattern: str
    evidence: str
    applied: bool
    blocked_by: str = ""
    shared: tuple[str, ...] = ()  # identifiers both keys carry
    comparison: Comparison | None = None


@dataclass
class PairMemo:
    """The fuzzy comparisons of an earlier clustering, so that the next one compares only the pairs a new key
    is in (a build that adds a month of files meets few new names).

    `paired` holds the keys whose candidate pairs were all found and compared, `compared` every such pair
    that was not rejected. A pair between two keys already paired is taken from here, not looked for again:
    when new keys make a word less rare, a full clustering (no memo) could find a few more pairs among the
    old keys than the memo holds. Valid for the same rules only (the caller keeps it with their version)."""

    params: ClusterParams
    paired: set[str] = field(default_factory=set)
    compared: dict[tuple[str, str], Comparison] = field(default_factory=dict)


@dataclass
class Clustering:
    canonical_of: dict[str, str]  # key -> canonical key of its supplier
    supplier_id_of: dict[str, str]  # canonical key -> supplier id
    attachment: dict[str, tuple[str, float, str]]  # key -> (method, score, evidence)
    decisions: list[PairDecision]
    members: dict[str, list[str]] = field(default_factory=dict)  # canonical key -> keys
    separated: set[frozenset[str]] = field(default_factory=set)  # pairs of canonical keys an analyst kept apart


def make_supplier_id(canonical_key: str) -> str:
    """A stable, readable supplier id derived from the supplier's canonical key (not from row numbers):
    'OPTUM HEALTH SOLUTIONS' -> 'optum-health-solutions-' + the first 6 hex digits of its sha1."""
    slug = re.sub(r"[^a-z0-9]+", "-", canonical_key.lower()).strip("-")[:40].strip("-") or "supplier"
    return f"{slug}-{hashlib.sha1(canonical_key.encode('utf-8')).hexdigest()[:6]}"


def choose_canonical(keys: list[str]) -> str:
    """The key a supplier's id is derived from: the longest (a truncated spelling is never chosen over the
    full one), then the first alphabetically. Depends only on the keys, never on their order or counts."""
    return min(keys, key=lambda k: (-len(k), k))


class _Clusters:
    """Union-find over keys, with what each cluster must not be merged with."""

    def __init__(self, keys: list[str], identifiers: dict[str, frozenset[Identifier]], overrides: Overrides):
        self.parent = {k: k for k in keys}
        self.members = {k: [k] for k in keys}
        self.company_numbers = {
            k: {i.value for i in identifiers.get(k, ()) if i.base_scheme == "company_number"} for k in keys
        }
        self.references = {k: {i.value for i in identifiers.get(k, ()) if i.scheme == REFERENCE} for k in keys}
        self.pinned = {k: overrides.assign[k][0] for k in keys if k in overrides.assign}
        self.overrides = overrides
        self.edges: dict[str, list[tuple[str, str, float, str]]] = defaultdict(list)

    def find(self, k: str) -> str:
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def blocked(self, a: str, b: str, method: str) -> str:
        """Why the clusters of a and b may not be merged by `method` ('' if they may)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ""
        ma, mb = self.members[ra], self.members[rb]
        for x in ma:
            for y in mb:
                row = self.overrides.is_never(x, y)
                if row is not None:
                    return f"override never ({x} / {y}, data row {row.number})"
        pa = {self.pinned[x] for x in ma if x in self.pinned}
        pb = {self.pinned[x] for x in mb if x in self.pinned}
        if pa and pb and pa != pb:
            return f"pinned to different ids ({', '.join(sorted(pa))} / {', '.join(sorted(pb))})"
        if method == "override":
            return ""
        ca = set().union(*(self.company_numbers[x] for x in ma))
        cb = set().union(*(self.company_numbers[x] for x in mb))
        if ca and cb and not (ca & cb):
            return f"different company numbers ({', '.join(sorted(ca))} / {', '.join(sorted(cb))})"
        ra_ids = set().union(*(self.references[x] for x in ma))
        rb_ids = set().union(*(self.references[x] for x in mb))
        if ra_ids and rb_ids and not (ra_ids & rb_ids):
            return f"different official identities ({', '.join(sorted(ra_ids))} / {', '.join(sorted(rb_ids))})"
        if method == "identifier-strong":
            return ""
        for x in ma:
            for y in mb:
                if compare_keys(x, y).hard_conflict:
                    return f"would join contradicting names ({x} / {y})"
        return ""

    def union(self, a: str, b: str, method: str, score: float, evidence: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        self.edges[a].append((b, method, score, evidence))
        self.edges[b].append((a, method, score, evidence))


def _blocks(keys: list[str], params: ClusterParams) -> list[list[int]]:
    """Groups of key indices to compare within.

    A key is put in the blocks of its first word and its two rarest words (a typo in one word, words in
    another order, a cut or an extended name still leave one shared block), of its first letters without
    spaces (for names written with or without spaces: 'WIFI SPARK' / 'WIFISPARK'), and, for a one-word key,
    of its first three letters (for a typo in its only word: 'DELLOITTE' / 'DELOITTE'). Every pair in a
    block then passes the prefilter in `find_candidate_pairs` before it is compared in full.
    """
    df = Counter()
    cores = [profile_key(k).core or profile_key(k).tokens for k in keys]
    for core in cores:
        df.update(set(core))
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, core in enumerate(cores):
        if not core:
            continue
        words = set(sorted(set(core), key=lambda t: (df[t], t))[: params.rare_words])
        words.add(core[0])  # a cut-short or extended name keeps its first word ('OPTUM' / 'OPTUM HEALTH ...')
        for word in words:
            groups[("word", word)].append(i)
        nospace = profile_key(keys[i]).nospace
        groups[("prefix", nospace[: params.prefix_chars])].append(i)
        if len(core) == 1 and len(nospace) >= 6:
            groups[("start", nospace[:3])].append(i)
    out = []
    for (kind, label), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        if len(members) > params.max_block:
            # A huge block is a common word, not a distinctive one: split it by each name's first word
            # other than the block's, so only names that share two words are compared.
            sub: dict[str, list[int]] = defaultdict(list)
            for i in members:
                core = cores[i]
                rest = [t for t in core if t != label][:1]
                sub[rest[0] if rest else ""].append(i)
            out.extend(m for m in sub.values() if 1 < len(m) <= params.max_block)
        else:
            out.append(members)
    return out


def find_candidate_pairs(keys: list[str], params: ClusterParams = ClusterParams(),
                         among: set[str] | None = None) -> list[tuple[str, str]]:
    """Pairs of keys worth comparing in full, sorted (each pair ordered, a < b; `keys` must be sorted).

    Inside each block, pairs pass a cheap vectorised filter first: token_set_ratio (words in common, in any
    order) or the ratio of the names without spaces ('WIFI SPARK' / 'WIFISPARK') must reach
    `prefilter_cutoff`. Only survivors are compared word by word in Python. With `among`, only the pairs
    at least one of these keys is in (the blocks are still made from all the keys).
    """
    n = len(keys)
    new = None if among is None else np.fromiter((k in among for k in keys), dtype=bool, count=n)
    small_codes, found_codes = [], []
    for block in _blocks(keys, params):
        members = np.asarray(sorted(block), dtype=np.int64)
        if new is not None and not new[members].any():
            continue
        if len(members) <= params.small_block:
            upper_i, upper_j = np.triu_indices(len(members), 1)
            if new is not None:
                either = new[members[upper_i]] | new[members[upper_j]]
                upper_i, upper_j = upper_i[either], upper_j[either]
            small_codes.append(members[upper_i] * n + members[upper_j])
            continue
        if new is None:
            names = [keys[i] for i in members.tolist()]
            scores = process.cdist(
                names, names, scorer=fuzz.token_set_ratio, score_cutoff=params.prefilter_cutoff,
                dtype=np.uint8, workers=params.workers,
            )
            xs, ys = np.nonzero(np.triu(scores, k=1))
            found_codes.append(members[xs] * n + members[ys])
            continue
        # The new keys against every key of the block: token_set_ratio is symmetric, so this finds the same
        # pairs as the whole square would.
        fresh = members[new[members]]
        scores = process.cdist(
            [keys[i] for i in fresh.tolist()], [keys[i] for i in members.tolist()], scorer=fuzz.token_set_ratio,
            score_cutoff=params.prefilter_cutoff, dtype=np.uint8, workers=params.workers,
        )
        xs, ys = np.nonzero(scores)
        a, b = fresh[xs], members[ys]
        keep = a != b
        a, b = a[keep], b[keep]
        found_codes.append(np.minimum(a, b) * n + np.maximum(a, b))
    found = np.unique(np.concatenate(found_codes)) if found_codes else np.empty(0, dtype=np.int64)
    small = np.unique(np.concatenate(small_codes)) if small_codes else np.empty(0, dtype=np.int64)
    small = np.setdiff1d(small, found, assume_unique=True)
    if len(small):
        first, second = (small // n).tolist(), (small % n).tolist()
        nospace = [profile_key(k).nospace for k in keys]
        by_words = process.cpdist([keys[i] for i in first], [keys[j] for j in second], scorer=fuzz.token_set_ratio,
                                  dtype=np.uint8, workers=params.workers)
        by_letters = process.cpdist([nospace[i] for i in first], [nospace[j] for j in second], scorer=fuzz.ratio,
                                    dtype=np.uint8, workers=params.workers)
        keep = (by_words >= params.prefilter_cutoff) | (by_letters >= params.prefilter_cutoff)
        found = np.union1d(found, small[keep])
    return [(keys[i], keys[j]) for i, j in zip((found // n).tolist(), (found % n).tolist())]


def cluster_keys(
    kinds: dict[str, str],
    identifiers: dict[str, frozenset[Identifier]] | None = None,
    overrides: Overrides | None = None,
    params: ClusterParams = ClusterParams(),
    memo: PairMemo | None = None,
) -> Clustering:
    """Cluster keys (key -> kind) into suppliers. Deterministic: the result depends only on the inputs (and,
    with a `memo` of the same params, the pairs it holds; the memo is updated to these keys)."""
    identifiers = identifiers or {}
    overrides = overrides or no_overrides()
    keys = sorted(kinds)
    clusters = _Clusters(keys, identifiers, overrides)
    decisions: list[PairDecision] = []
    present = set(keys)

    # 1. Overrides.
    for key_a, key_b, row in overrides.same:
        if key_a in present and key_b in present:
            reason = clusters.blocked(key_a, key_b, "override")
            if reason:
                raise overrides.error(row, f"cannot merge {row.name!r} and {row.target!r}: {reason}")
            evidence = f"override same (data row {row.number}{': ' + row.note if row.note else ''})"
            clusters.union(key_a, key_b, "override", 100.0, evidence)
            decisions.append(PairDecision(key_a, key_b, "override", "accept", 100.0, "override", evidence, True))
    by_pin: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if key in overrides.assign:
            by_pin[overrides.assign[key][0]].append(key)
    for pin, pinned_keys in sorted(by_pin.items()):
        for other in pinned_keys[1:]:
            row = overrides.assign[other][1]
            reason = clusters.blocked(pinned_keys[0], other, "override")
            if reason:
                raise overrides.error(row, f"cannot assign {row.name!r} to {pin!r}: {reason}")
            evidence = f"override assign {pin} (data row {row.number})"
            clusters.union(pinned_keys[0], other, "override", 100.0, evidence)
            decisions.append(PairDecision(pinned_keys[0], other, "override", "accept", 100.0, "override", evidence, True))

    # 2. Shared identifiers, strong schemes first.
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in keys:
        for ident in identifiers.get(key, ()):
            holders[(ident.scheme, ident.value)].append(key)
    ordered = sorted(holders.items(), key=lambda kv: (0 if _strength(kv[0][0]) == "strong" else 1, kv[0]))
    for (scheme, value), holder_keys in ordered:
        holder_keys = sorted(set(holder_keys))
        first = holder_keys[0]
        for other in holder_keys[1:]:
            label = f"{scheme}={value}"
            shared = _shared(identifiers, first, other)
            method = REFERENCE if scheme == REFERENCE else "identifier"
            if _strength(scheme) == "strong":
                reason = clusters.blocked(first, other, "identifier-strong")
                comparison = None
                band, score, pattern, evidence = "accept", 100.0, method, (
                    f"the same official identity, {value}" if method == REFERENCE else f"shared {label}")
            else:
                comparison = compare_keys(first, other)
                reason = clusters.blocked(first, other, "identifier")
                if comparison.pattern in NAMES_DIFFER and not reason:
                    # A VAT number can be a VAT group's, a ledger code can be reused: names must agree too.
                    reason = f"names differ ({comparison.pattern}): {comparison.evidence}"
                band, score, pattern = ("accept" if not reason else "review"), 100.0, "identifier"
                evidence = f"shared {label}; names: {comparison.pattern} ({comparison.evidence})"
            if clusters.find(first) == clusters.find(other):
                continue
            applied = not reason
            if applied:
                clusters.union(first, other, method, score, evidence)
            decisions.append(PairDecision(first, other, method, band, score, pattern, evidence, applied,
                                          reason, shared, comparison))

    # 3. Fuzzy matching between organisations.
    if params.fuzzy:
        fuzzy_keys = [k for k in keys if kinds[k] not in EXACT_ONLY_KINDS]
        compared = _compared_pairs(fuzzy_keys, params, memo)
        compared.sort(key=lambda t: (-(t[2].band == "accept"), -t[2].score, t[0], t[1]))
        for a, b, comparison in compared:
            if comparison.band == "accept":
                reason = clusters.blocked(a, b, "fuzzy")
                if clusters.find(a) == clusters.find(b):
                    continue
                applied = not reason
                if applied:
                    clusters.union(a, b, "fuzzy", comparison.score, f"{comparison.pattern}: {comparison.evidence}")
                decisions.append(PairDecision(a, b, "fuzzy", "accept", comparison.score, comparison.pattern,
                                              comparison.evidence, applied, reason, _shared(identifiers, a, b), comparison))
            else:
                decisions.append(PairDecision(a, b, "fuzzy", "review", comparison.score, comparison.pattern,
                                              comparison.evidence, False, "", _shared(identifiers, a, b), comparison))

    return _finish(clusters, keys, decisions, overrides)


def _compared_pairs(keys: list[str], params: ClusterParams, memo: PairMemo | None) -> list:
    """(a, b, comparison) for every candidate pair of `keys` that is not rejected."""
    if memo is None or memo.params != params:
        pairs = find_candidate_pairs(keys, params)
        kept = {}
    else:
        present = set(keys)
        kept = {pair: c for pair, c in memo.compared.items() if pair[0] in present and pair[1] in present}
        pairs = find_candidate_pairs(keys, params, among=present - memo.paired)
    for a, b in pairs:
        if (a, b) not in kept:
            comparison = compare_keys(a, b)
            if comparison.band != "reject":
                kept[(a, b)] = comparison
    if memo is not None:
        memo.params, memo.paired, memo.compared = params, set(keys), kept
    return [(a, b, c) for (a, b), c in kept.items()]


def _strength(scheme: str) -> str:
    return Identifier(scheme, "").strength


def _shared(identifiers: dict[str, frozenset[Identifier]], a: str, b: str) -> tuple[str, ...]:
    va = {(i.scheme, i.value) for i in identifiers.get(a, ())}
    vb = {(i.scheme, i.value) for i in identifiers.get(b, ())}
    return tuple(sorted(f"{s}={v}" for s, v in va & vb))


def _finish(clusters: _Clusters, keys: list[str], decisions: list[PairDecision], overrides: Overrides) -> Clustering:
    canonical_of: dict[str, str] = {}
    supplier_id_of: dict[str, str] = {}
    attachment: dict[str, tuple[str, float, str]] = {}
    members_of: dict[str, list[str]] = {}
    for root, members in clusters.members.items():
        members = sorted(members)
        canonical = choose_canonical(members)
        members_of[canonical] = members
        pins = sorted({clusters.pinned[m] for m in members if m in clusters.pinned})
        supplier_id_of[canonical] = pins[0] if pins else make_supplier_id(canonical)
        for m in members:
            canonical_of[m] = canonical
        # Explain each key by the path of edges from the canonical key: its weakest edge decides.
        attachment[canonical] = ("override", 100.0, "pinned id") if canonical in clusters.pinned else ("exact", 100.0, "")
        seen = {canonical}
        queue = deque([(canonical, "exact", 100.0, [])])
        while queue:
            node, method, score, path = queue.popleft()
            for other, edge_method, edge_score, evidence in sorted(clusters.edges[node]):
                if other in seen:
                    continue
                seen.add(other)
                weakest = min(method, edge_method, key=lambda m: METHOD_RANK[m])
                new_path = path + [f"{edge_method} with '{node}': {evidence}"]
                attachment[other] = (weakest, min(score, edge_score), " | ".join(new_path))
                queue.append((other, weakest, min(score, edge_score), new_path))
        for m in members:
            if m in clusters.pinned and m != canonical:
                method, score, evidence = attachment[m]
                attachment[m] = ("override", 100.0, f"pinned to {clusters.pinned[m]}; {evidence}".rstrip("; "))
    for key in keys:
        if key not in canonical_of:  # cannot happen; kept as a guard for a broken union-find
            raise RuntimeError(f"key {key!r} lost while clustering")
    separated = {
        frozenset((canonical_of[a], canonical_of[b]))
        for pair in overrides.never
        for a, b in [tuple(pair)]
        if a in canonical_of and b in canonical_of
    }
    return Clustering(canonical_of, supplier_id_of, attachment, list(decisions), members_of, separated)
