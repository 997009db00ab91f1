"""Comparing two supplier keys: several measures, one explainable decision.

A fuzzy score alone is not evidence of identity: rapidfuzz's `token_set_ratio` gives 100 to
'OPTUM HEALTH SOLUTIONS (UK) LTD' vs 'OPTUM' because one name's words are a subset of the other's.
So `compare_keys` first lines the two names up word by word and asks *how* they differ:

- spelling only (same words after allowing typos in long or generic words, plurals of generic words,
  known abbreviations, joined words, word order, weak words like AND/OF/THE) -> accept, if the character
  measures agree;
- one name is the other cut short (a truncated field or a wrapped PDF cell) -> accept;
- one name has extra words the other lacks (an extension: 'CAPITA' vs 'CAPITA BUSINESS SERVICES') -> review:
  the shorter could be any of several entities;
- each name has words the other lacks ('ST GEORGES' vs 'ST HELENS'), different numbers ('RETAIL 4' vs
  'RETAIL 5') -> reject, and remember it as a hard conflict so no chain of merges can join them either;
- different body types ('NHS TRUST' vs 'NHS FOUNDATION TRUST', 'CHARITY' vs 'NHS FOUNDATION TRUST') are
  never accepted automatically.

Every comparison records the measures (`ratio`, `token_sort_ratio`, `token_set_ratio`, `jaro_winkler`)
and a sentence of evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, OSA

from spend.suppliers.datafiles import read_package_records
from spend.suppliers.keys import AbbreviationRow, body_type_of, load_legal_forms
from spend.suppliers.kinds import load_vocabulary

ACCEPT_MIN_TOKEN_SORT = 80.0  # character-level agreement an accepted spelling variant must also have
REVIEW_MIN_SCORE = 70.0  # below this (and not a distinctive name starting the other) an extension is not worth a review
DISSIMILAR_BELOW = 55.0  # token_set_ratio under which two multi-word names are rejected without a closer look
TRUNCATION_MIN_CHARS = 15  # a cut-short name must still be long enough to be specific...
TRUNCATION_MIN_WORDS = 3  # ...and have at least this many words that are not weak
NHS_BODIES = {"NHS TRUST", "NHS FOUNDATION TRUST"}


@dataclass(frozen=True)
class KeyProfile:
    key: str
    tokens: tuple[str, ...]
    core: tuple[str, ...]  # tokens without weak words
    numbers: frozenset[str]
    body_type: str | None
    nospace: str


@dataclass(frozen=True)
class Comparison:
    band: str  # 'accept', 'review' or 'reject'
    score: float  # 0-100: mean of ratio, token_sort_ratio, jaro_winkler (or token_sort_ratio if higher)
    pattern: str  # exact, spacing, weak_words, word_order, variant, truncation, extension, conflict...
    hard_conflict: bool  # the two names must not end up in one supplier, directly or through others
    measures: tuple[tuple[str, float], ...]
    evidence: str

    def measure(self, name: str) -> float:
        """One of the measures, rounded to one decimal place as reports show it."""
        return round(dict(self.measures)[name], 1)


@lru_cache(maxsize=1)
def _weak_words() -> frozenset[str]:
    return frozenset(w for w, role in load_vocabulary().items() if role == "weak")


@lru_cache(maxsize=1)
def _generic_words() -> frozenset[str]:
    return frozenset(w for w, role in load_vocabulary().items() if role in {"generic", "nhs_optional"})


@lru_cache(maxsize=1)
def _nhs_optional_words() -> frozenset[str]:
    return frozenset(w for w, role in load_vocabulary().items() if role == "nhs_optional")


@lru_cache(maxsize=1)
def _pair_abbreviations() -> frozenset[tuple[str, str]]:
    pairs = set()
    for r in read_package_records("supplier_name_abbreviations.csv", AbbreviationRow):
        if r.scope == "pair" and " " not in r.short and " " not in r.long:
            pairs.add((r.short, r.long))
            pairs.add((r.long, r.short))
    return frozenset(pairs)


@lru_cache(maxsize=1)
def _body_forms() -> tuple[tuple[str, ...], ...]:
    """Body types written out ('NHS FOUNDATION TRUST', 'DISTRICT COUNCIL'...), as word tuples."""
    return tuple(form.tokens for form in load_legal_forms() if form.kind == "body")


def _complete_nhs_body(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """A name cut inside an NHS body type is compared as if whole, when only one completion fits:
    '... HOSPITALS NHS FOUNDATION' is compared as '... HOSPITALS NHS FOUNDATION TRUST' (a wrapped PDF cell).
    A bare trailing 'NHS' could be a trust or a foundation trust, so it is left alone."""
    completions = set()
    for form in _body_forms():
        if form[0] != "NHS":
            continue
        for i in range(2, len(form)):
            if tokens[-i:] == form[:i]:
                completions.add(form[i:])
    return tokens + next(iter(completions)) if len(completions) == 1 else tokens


@lru_cache(maxsize=500_000)
def profile_key(key: str) -> KeyProfile:
    tokens = tuple(key.split())
    compared = tokens if body_type_of(key) else _complete_nhs_body(tokens)
    weak = _weak_words()
    return KeyProfile(
        key=key,
        tokens=tokens,
        core=tuple(t for t in compared if t not in weak),
        numbers=frozenset(t for t in tokens if any(c.isdigit() for c in t)),
        body_type=body_type_of(" ".join(compared)),
        nospace=key.replace(" ", ""),
    )


def _is_generic(word: str) -> bool:
    generic = _generic_words()
    return word in generic or word.rstrip("S") in generic or word + "S" in generic


@lru_cache(maxsize=1_000_000)
def relate_words(x: str, y: str) -> str | None:
    """How two different words can be the same word: 'abbreviation', 'plural', 'typo', 'number' (a short number
    run into the word), or None.

    Typos and plurals are tolerated in generic words ('PHARMACEUTICAL'/'PHARMACEUTICALS', 'COMMISION'); in
    long distinctive words (8+ letters) only a plural or a doubled letter ('DELLOITTE'/'DELOITTE'); in short
    distinctive ones nothing: 'WILLOW'/'WILLOWS' and 'HEATH'/'HEALTH' stay different.
    """
    if (x, y) in _pair_abbreviations():
        return "abbreviation"
    if _glued_number(x, y) or _glued_number(y, x):
        return "number"
    if x[:1] != y[:1] or x.isdigit() or y.isdigit():
        return None
    generic = _is_generic(x) or _is_generic(y)
    shorter = min(len(x), len(y))
    if x + "S" == y or y + "S" == x or x + "ES" == y or y + "ES" == x:
        return "plural" if generic or shorter >= 8 else None
    if generic:
        if x in _generic_words() and y in _generic_words():
            return None  # two real words ('CONSULTANCY', 'CONSULTANTS'), not a slip
        distance = OSA.distance(x, y)
        if (shorter >= 5 and distance <= 1) or (shorter >= 9 and distance <= 2):
            return "typo"
        return None
    # In a distinctive word only a doubled letter counts ('DELLOITTE' / 'DELOITTE'): any other slip is as
    # often another name ('MEDISOFT' / 'MEDISORT', 'HERITAGE' / 'HERMITAGE', 'BLANCHFORD' / 'BLATCHFORD').
    if shorter >= 8 and _doubled_letter(x, y):
        return "typo"
    return None


_GLUED_NUMBER = re.compile(r"[0-9]{1,3}(?P<before>[A-Z]{4,})|(?P<after>[A-Z]{4,})[0-9]{1,3}")


def _glued_number(x: str, y: str) -> bool:
    """True when `x` is the word `y` with a short number run into it ('BARNET2', '2LIBERTY'): a page or line
    number printed against a cell in a PDF, or a ledger's site number. The number is not part of the name:
    'BARNET2' and 'BARNET3' still differ (both carry a number, and the numbers differ)."""
    m = _GLUED_NUMBER.fullmatch(x)
    return bool(m) and (m.group("before") or m.group("after")) == y


def _doubled_letter(x: str, y: str) -> bool:
    """True when one word is the other with one letter written twice."""
    long, short = (x, y) if len(x) > len(y) else (y, x)
    if len(long) != len(short) + 1:
        return False
    for i in range(1, len(long)):
        if long[i] == long[i - 1] and long[:i] + long[i + 1 :] == short:
            return True
    return False


def _without_common(ca: list[str], cb: list[str]) -> tuple[list[str], list[str]]:
    """The words of each list that the other lacks (as multisets, order kept)."""
    rb = list(cb)
    ra = []
    for t in ca:
        if t in rb:
            rb.remove(t)
        else:
            ra.append(t)
    return ra, rb


_RELATION_ORDER = {"abbreviation": 0, "plural": 1, "typo": 2, "number": 3}


def _pair_words(ra: list[str], rb: list[str], order_b: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """Pair the words left after the common ones are removed. Returns (left in a, left in b, pairings)."""
    ra, rb = list(ra), list(rb)
    pairings: list[str] = []
    candidates = []
    for i, x in enumerate(ra):
        for j, y in enumerate(rb):
            relation = relate_words(x, y)
            if relation:
                candidates.append((_RELATION_ORDER[relation], i, j, relation))
    if candidates:
        used_a: set[int] = set()
        used_b: set[int] = set()
        for _, i, j, relation in sorted(candidates):
            if i not in used_a and j not in used_b:
                used_a.add(i)
                used_b.add(j)
                pairings.append(f"{relation} {ra[i]}~{rb[j]}")
        ra = [x for i, x in enumerate(ra) if i not in used_a]
        rb = [y for j, y in enumerate(rb) if j not in used_b]
    # A word one name writes as two ('HEALTHNET' vs 'HEALTH NET', 'LIFESCIENCES' vs 'LIFE SCIENCES').
    if ra and len(rb) >= 2:
        for x in list(ra):
            for y1, y2 in zip(order_b, order_b[1:]):
                if y1 in rb and y2 in rb and y1 != y2 and x == y1 + y2:
                    ra.remove(x)
                    rb.remove(y1)
                    rb.remove(y2)
                    pairings.append(f"joined {x}~{y1} {y2}")
                    break
    return ra, rb, pairings


def _near_miss(x: str, y: str) -> bool:
    """Two distinctive words one slip apart, too short to accept automatically: a plural, one edit, or one
    the start of the other ('WILLOW'/'WILLOWS', 'TELECOM'/'TELECOMMUNICATIONS'). Sent to review, not merged."""
    if x[:1] != y[:1] or x.isdigit() or y.isdigit() or min(len(x), len(y)) < 3:
        return False
    return x.startswith(y) or y.startswith(x) or (min(len(x), len(y)) >= 4 and OSA.distance(x, y) <= 1)


def _acronym_evidence(la: list[str], lb: list[str]) -> str:
    for short, long in ((la, lb), (lb, la)):
        if len(short) == 1 and len(long) >= 2:
            letters = "".join(t[0] if len(t) > 2 else t for t in long)
            if short[0] in {letters, "".join(t[0] for t in long)}:
                return f"{short[0]} looks like the initials of {' '.join(long)}"
    return ""


def _plainly_different(pa: KeyProfile, pb: KeyProfile, short: KeyProfile, long: KeyProfile) -> bool:
    """A quick test for the commonest case, two names that each have words the other lacks and none of
    which could be a variant of another (no shared first letter, no acronym, no cut, no joined words).
    Saves the full word-by-word comparison; gives the same answer."""
    only_a = set(pa.core).difference(pb.core)
    if not only_a:
        return False
    only_b = set(pb.core).difference(pa.core)
    if not only_b:
        return False
    initials_a = {w.lstrip("0123456789")[:1] for w in only_a}  # '2LIBERTY' may be 'LIBERTY' with a number
    if any(w.lstrip("0123456789")[:1] in initials_a for w in only_b):
        return False
    if long.key.startswith(short.key) or pa.body_type in NHS_BODIES or pb.body_type in NHS_BODIES:
        return False
    if (len(only_a) == 1 and len(only_b) > 1) or (len(only_b) == 1 and len(only_a) > 1):
        # In the names' own word order: initials are read left to right (and sets have no stable order).
        if _acronym_evidence([w for w in pa.core if w in only_a], [w for w in pb.core if w in only_b]):
            return False
    return True  # joined words share a first letter, so they were let through above


def _truncation(short: KeyProfile, long: KeyProfile) -> str | None:
    """Why `short` looks like `long` cut short, or None.

    A wrapped PDF cell loses its last words ('GREAT ORMOND STREET HOSPITAL FOR CHILDREN NHS FOUNDATION'), a
    fixed-width field its last letters ('ROYAL BOROUGH OF KINGSTON UPON THA', 'OPTUM HEALTH SOLUTION'). A
    word-boundary cut is accepted only inside a body type: the shorter name ends with its first words and
    the longer adds the rest ('... NHS FOUNDATION' + 'TRUST', 'AYLESBURY VALE DISTRICT' + 'COUNCIL').
    """
    if len(short.key) >= len(long.key) or not long.key.startswith(short.key):
        return None
    if len(short.key) < TRUNCATION_MIN_CHARS or len(short.core) < TRUNCATION_MIN_WORDS:
        return None
    if long.key[len(short.key)] == " ":
        # Only a cut inside the body type counts ('... NHS FOUNDATION' + 'TRUST', '... NHS' + 'FOUNDATION
        # TRUST'): a name without any of it may be another body with the same stem ('UNIVERSITY COLLEGE
        # LONDON', the university, vs 'UNIVERSITY COLLEGE LONDON NHS FOUNDATION TRUST').
        tail = tuple(long.key[len(short.key) + 1 :].split())
        for form in _body_forms():
            for i in range(1, len(form)):
                if form[i:] == tail and short.tokens[-i:] == form[:i]:
                    return f"cut short before '{' '.join(tail)}'"
        return None
    partial = short.tokens[-1]
    full = long.tokens[len(short.tokens) - 1]
    if len(partial) < 2 or not full.isalpha():
        return None  # 'COLLABORATIVE' is not a cut 'COLLABORATIVE34473925' (a number run into the name)
    if _is_generic(partial) and full not in {partial + "S", partial + "ES"}:
        return None  # 'HEALTH' is a word in its own right, not a cut 'HEALTHCARE'
    return f"cut short inside '{full}'"


def _body_types_conflict(a: str | None, b: str | None) -> bool:
    if not a or not b or a == b:
        return False
    return not (a.endswith(" " + b) or b.endswith(" " + a))


def measure_pair(a: str, b: str) -> tuple[tuple[str, float], ...]:
    return (
        ("ratio", fuzz.ratio(a, b)),
        ("token_sort_ratio", fuzz.token_sort_ratio(a, b)),
        ("token_set_ratio", fuzz.token_set_ratio(a, b)),
        ("jaro_winkler", JaroWinkler.normalized_similarity(a, b) * 100),
    )


def _decide(band: str, pattern: str, hard: bool, measures, evidence: str) -> Comparison:
    m = dict(measures)
    # One number for ranking and display: the mean of the character measures, or token_sort_ratio when that
    # is higher (word order does not change a name).
    score = round(max((m["ratio"] + m["token_sort_ratio"] + m["jaro_winkler"]) / 3, m["token_sort_ratio"]), 1)
    if pattern == "exact":
        score = 100.0
    return Comparison(band, score, pattern, hard, measures, evidence)


@lru_cache(maxsize=1_000_000)
def compare_keys(a: str, b: str) -> Comparison:
    """Compare two supplier keys and band the pair accept / review / reject, with evidence."""
    measures = measure_pair(a, b)
    if a == b:
        return _decide("accept", "exact", False, measures, "same key")
    pa, pb = profile_key(a), profile_key(b)
    if dict(measures)["token_set_ratio"] < DISSIMILAR_BELOW and len(pa.core) > 1 and len(pb.core) > 1:
        # Nothing in common worth a closer look; counted as a contradiction so no chain joins them either.
        return _decide("reject", "dissimilar", True, measures, "names have little in common")

    if pa.numbers != pb.numbers and pa.numbers and pb.numbers:
        numbers = f"{' '.join(sorted(pa.numbers))} vs {' '.join(sorted(pb.numbers))}"
        return _decide("reject", "numbers", True, measures, f"different numbers: {numbers}")
    one_sided_numbers = pa.numbers != pb.numbers
    bodies_conflict = _body_types_conflict(pa.body_type, pb.body_type)

    if pa.nospace == pb.nospace and len(pa.nospace) >= 8:
        return _decide("accept", "spacing", False, measures, "same letters, different spacing")

    short, long = (pa, pb) if len(pa.key) <= len(pb.key) else (pb, pa)
    if _plainly_different(pa, pb, short, long):
        words = " ".join(sorted(set(pa.core) - set(pb.core))) + " / " + " ".join(sorted(set(pb.core) - set(pa.core)))
        return _decide("reject", "conflict", True, measures, f"different words: {words}")
    cut = _truncation(short, long)
    if cut and not bodies_conflict and not (short.numbers - long.numbers):
        return _decide("accept", "truncation", False, measures, f"'{short.key}' is '{long.key}' {cut}")

    ca, cb = list(pa.core), list(pb.core)
    if pa.body_type in NHS_BODIES and pb.body_type in NHS_BODIES:
        # 'MID AND SOUTH ESSEX FOUNDATION TRUST' is an NHS foundation trust without the word NHS.
        ca, cb = [t for t in ca if t != "NHS"], [t for t in cb if t != "NHS"]
    ra, rb = _without_common(ca, cb)
    la, lb, pairings = _pair_words(ra, rb, tuple(cb)) if ra and rb else (ra, rb, [])
    if la and lb:
        lb_ordered, la_ordered = sorted(lb), sorted(la)
        la2, lb2, joined = _pair_words(lb_ordered, la_ordered, tuple(ca))  # a joined word on the other side
        if not la2 and not lb2:
            la, lb, pairings = [], [], pairings + joined
    if la and lb:
        words = f"{' '.join(la)} / {' '.join(lb)}"
        if len(la) == len(lb) and all(_near_miss(x, y) for x, y in zip(sorted(la), sorted(lb))):
            # 'WILLOW' vs 'WILLOWS', 'TELECOM' vs 'TELECOMMUNICATIONS': maybe a slip, maybe two bodies.
            return _decide("review", "near_miss", False, measures, f"words nearly the same: {words}")
        acronym = _acronym_evidence(la, lb)
        if acronym:
            # 'HMRC' / 'HM REVENUE AND CUSTOMS': an acronym is ambiguous on its own, so an analyst decides.
            return _decide("review", "acronym", False, measures, acronym)
        return _decide("reject", "conflict", True, measures, f"different words: {words}")
    if bodies_conflict:
        hard_evidence = f"different body types: {pa.body_type} / {pb.body_type}"
        band = "review" if not (la or lb) or dict(measures)["token_set_ratio"] >= 90 else "reject"
        return _decide(band, "body_type", True, measures, hard_evidence)
    if not la and not lb:
        m = dict(measures)
        if not pairings:
            pattern = "word_order" if sorted(ca) == sorted(cb) and ca != cb else "weak_words"
            if not any(not _is_generic(w) for w in ca):
                return _decide("review", pattern, False, measures, "only generic words, nothing distinctive")
            return _decide("accept", pattern, False, measures, "same words" + (" in another order" if pattern == "word_order" else " apart from AND/OF/THE/UK"))
        evidence = "; ".join(pairings)
        if not any(not _is_generic(w) for w in set(ca) & set(cb)) and not any(
            p.startswith(("typo ", "number ")) and not any(_is_generic(w) for w in p.split()[1].split("~"))
            for p in pairings
        ):
            # 'CHEMICAL' / 'CHEMICALS', 'SOLICITORS' / 'SOLICTORS': nothing distinctive in common to anchor on.
            return _decide("review", "variant", False, measures, evidence + "; no distinctive word in common")
        # The same words but for numbers run into them: the characters differ only by those numbers.
        if m["token_sort_ratio"] >= ACCEPT_MIN_TOKEN_SORT or all(p.startswith("number ") for p in pairings):
            return _decide("accept", "variant", False, measures, evidence)
        return _decide("review", "variant", False, measures, evidence + "; characters differ too much")
    extra = la or lb
    longer_key = a if la else b
    if (pa.body_type in NHS_BODIES and pa.body_type == pb.body_type and not one_sided_numbers
            and all(t in _nhs_optional_words() for t in extra)):
        evidence = f"same NHS body apart from {' '.join(extra)}" + ("; " + "; ".join(pairings) if pairings else "")
        return _decide("accept", "nhs_wording", False, measures, evidence)
    evidence = f"'{longer_key}' adds {' '.join(extra)}"
    if pairings:
        evidence += "; " + "; ".join(pairings)
    if one_sided_numbers:
        evidence += "; a number on one side only"
    # Worth an analyst's look when the names are close overall, or when the shorter one is a distinctive
    # name that starts the longer ('AAH' / 'AAH PHARMACEUTICALS'); not when all they share is a generic
    # word ('UK MEDICAL' / 'MEDICAL RESEARCH COUNCIL') or a word in the middle ('PETERS' / 'ASHFORD AND ST
    # PETERS HOSPITALS').
    shorter_core, longer_core = (cb, ca) if la else (ca, cb)
    starts_longer = tuple(longer_core[: len(shorter_core)]) == tuple(shorter_core)
    distinctive = any(not _is_generic(t) for t in shorter_core)
    m = dict(measures)
    if (m["ratio"] + m["token_sort_ratio"] + m["jaro_winkler"]) / 3 >= REVIEW_MIN_SCORE or (starts_longer and distinctive):
        return _decide("review", "extension", False, measures, evidence)
    return _decide("reject", "extension", False, measures, evidence)
