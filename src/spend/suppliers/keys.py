"""The normalisation key for UK organisation names, and the parts a published name is split into.

`make_key("OPTUM HEALTH SOLUTIONS (UK) LTD") == make_key("Optum Health Solutions UK Limited")
== "OPTUM HEALTH SOLUTIONS"`. Two names with the same key are treated as the same supplier without
further evidence, so the key only removes what cannot tell two UK organisations apart: case, accents,
punctuation, '&' vs 'AND', a leading 'THE', and legal-form indicators that Companies House itself
disregards when it refuses a "same as" name (see spend/data/legal_forms.csv for the list and its source).
It keeps what can: 'NHS TRUST' vs 'NHS FOUNDATION TRUST', numbers ('CORONA ENERGY RETAIL 4' vs '5'),
foreign legal forms, words in brackets ('CARE UK (URGENT CARE) LTD').

Glued codes ('UK0479435601 : Prime Care Solutions (Kingston) Ltd', 'KINGS COLLEGE LONDON:03529700') are
split off first with `spend.codes` and kept as identifiers, never as part of the key.

The key is deterministic, idempotent (`make_key(make_key(x)) == make_key(x)`) and does not depend on
case or on how much white space a publisher used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Annotated, Literal

from msgspec import Meta, Struct

from spend.core.codes import split_glued_code
from spend.suppliers.datafiles import Cell, read_package_records

# Typographic apostrophes and the backtick Redbridge CCG uses ('ST GEORGE`S') all mean an apostrophe.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})

# "X LTD T/A Y", "X Ltd Trading As Y", "X LTD ( T/A Y)", "X T/AS Y", and the 'T/ S' typo (Chelsea & Westminster).
_TRADING_AS = re.compile(r"(?:^|(?<=[\s(,\-]))(?:T\s*/\s*AS?|T\s*/\s*S|TRADING\s+AS)(?=[\s.:)]|$)")
# 'TA' alone means trading-as only straight after a legal form ('D Singh Properties Ltd TA DS Properties').
_LTD_TA = re.compile(r"\S\s+(?:LTD|LIMITED|PLC|LLP)\.?\s+(TA)\s")
# "PITNEY BOWES PURCHASE POWER A TRADING DIVISION OF PITNEY BOWES LTD": the legal entity comes after.
_DIVISION_OF = re.compile(r"\bA\s+(?:TRADING\s+)?DIVISION\s+OF\b")
# 'POST OFFICE LTD C/O ROYAL MAIL': a care-of address is not part of the name.
_CARE_OF = re.compile(r"\s+C\s*/\s*O\b.*$")
# Account labels after a name ('Strettons Clients Account', 'WEST OXFORDSHIRE DISTRICT COUNCIL GENERAL A/C',
# 'ZURICH RFMP TRUST ACCOUNT NO 2') and Construction Industry Scheme tags ('HOWORTH AIRTECH LTD CIS5').
_ACCOUNT = re.compile(
    r"\s+(?:(?:GENERAL|CLIENTS?|FEES|NONRENT)\s+)*(?:A\s*/\s*C|ACCOUNT)(?:\s+(?:NO\.?\s*)?[0-9]+)?\s*$"
)
_CIS_TAG = re.compile(r"\s+CIS\s*[0-9]\s*$")
_BRACKET = re.compile(r"\(([^()]*)\)")
_COUNTRY_IN_BRACKETS = {"UK", "U K", "GB", "G B", "UNITED KINGDOM", "GREAT BRITAIN"}
_FORMER = re.compile(r"^(?:FORMERLY|FORMALLY|PREVIOUSLY|WAS|EX)\b\s*(.*)$")
# An account or reference number in brackets: three digits or more ("(247)", "(Account 921371)"); a short
# number is part of the name ("Parkcare Homes (No.2) Ltd" is not "Parkcare Homes Ltd").
_BRACKET_CODE = re.compile(r"^(?:ACCOUNT|A\s*/\s*C|ACC|REF\.?)?[\s.:#]*[0-9][0-9\s/.-]{2,}$")
_BRACKET_NOTE = re.compile(r"^RE\s")
# A number of six digits or more printed with no gap after an otherwise alphabetic name: Hounslow CCG's
# November 2020 PDF prints 'LONDON CENTRAL & WEST UNSCHEDULED CARE COLLABORATIVE34473925' and 'CHELSEA AND
# WESTMINSTER HOSPITAL NHS FOUNDATION TRUST34577681' (the name fills its column and runs into the transaction
# number). No supplier name ends in a word with six digits glued on, so the number is not part of the name.
_RUN_IN_NUMBER = re.compile(r"^(?P<name>[^0-9]*?(?P<word>[A-Za-z]+))(?P<number>[0-9]{6,})\s*$")
_STOPWORDS = {"THE", "AND", "OF", "FOR", "&"}
# Words through which the string rules above could still match a key (which has no punctuation left).
# A labelled number ('ACME CRN 01234567 LTD') is only split off at the end of a name, which the key's
# legal-form stripping can expose.
_STRING_RULE_WORDS = re.compile(r"\b(?:TRADING AS|TA|DIVISION OF|ACCOUNT|CIS\s*[0-9]|CRN|CO NO|COMPANY|VAT)\b")


# Words as a key writes them: upper case, no punctuation, single spaces ('NHS FOUNDATION TRUST').
KeyWords = Annotated[str, Meta(pattern=r"^[A-Z0-9]+(?: [A-Z0-9]+)*$",
                               description="upper-case words as a supplier key writes them")]


class LegalFormRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of spend/data/legal_forms.csv (its comments say what each kind and action means)."""

    form: KeyWords
    canonical: Cell
    kind: Literal["company", "llp", "lp", "cic", "typo", "country", "foreign", "body"]
    action: Literal["strip", "keep"]


class AbbreviationRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of spend/data/supplier_name_abbreviations.csv: `short` means `long` (in the key, or when comparing)."""

    short: KeyWords
    long: KeyWords
    scope: Literal["key", "pair"]
    where: Literal["any", "end"]


class CodePatternRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of spend/data/supplier_code_patterns.csv: a code a publisher puts inside a supplier name."""

    pattern: re.Pattern
    scheme: Literal["ledger_code", "company_number"]
    note: str = ""


@dataclass(frozen=True)
class LegalForm:
    tokens: tuple[str, ...]
    canonical: str
    kind: str
    action: str


@dataclass(frozen=True)
class NameParts:
    """What a published supplier name is made of. Only `key` takes part in exact matching."""

    raw: str
    cleaned: str  # the name with codes split off and white space collapsed, case kept (for display)
    key: str
    codes: tuple[tuple[str, str], ...] = ()  # (scheme, value): 'ledger_code', 'company_number'
    legal_form: str | None = None  # canonical legal form removed from the end ('LIMITED', 'PLC', 'LLP'...)
    body_type: str | None = None  # kept form recognised at the end ('NHS FOUNDATION TRUST', 'CCG'...)
    trading_name: str | None = None
    qualifier: str | None = None  # text after the legal entity's name (account labels, divisions)
    former_name: str | None = None
    notes: tuple[str, ...] = field(default=())


@lru_cache(maxsize=1)
def load_legal_forms() -> tuple[LegalForm, ...]:
    forms = [
        LegalForm(tuple(r.form.split()), r.canonical, r.kind, r.action)
        for r in read_package_records("legal_forms.csv", LegalFormRow)
    ]
    # Longest first, so 'NHS FOUNDATION TRUST' wins over 'TRUST' and 'PUBLIC LIMITED COMPANY' over 'COMPANY'.
    return tuple(sorted(forms, key=lambda f: (-len(f.tokens), f.tokens)))


@lru_cache(maxsize=1)
def load_key_abbreviations() -> tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...]:
    rows = [r for r in read_package_records("supplier_name_abbreviations.csv", AbbreviationRow) if r.scope == "key"]
    out = [(tuple(r.short.split()), tuple(r.long.split()), r.where) for r in rows]
    return tuple(sorted(out, key=lambda a: (-len(a[0]), a[0])))


@lru_cache(maxsize=1)
def load_code_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    return tuple((r.pattern, r.scheme) for r in read_package_records("supplier_code_patterns.csv", CodePatternRow))


def clean_text(value: str) -> str:
    """Accents removed, apostrophes unified, white space collapsed; case kept."""
    text = value
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = text.translate(_APOSTROPHES)
    elif "`" in text:
        text = text.replace("`", "'")
    return re.sub(r"\s+", " ", text).strip()


def split_name_codes(raw: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The name without glued codes, and the codes as (scheme, value) pairs.

    A code glued on by the publisher is its own supplier number ('ledger_code'), even when it is shaped like
    a company number: Guy's gives 'LONDON BOROUGH OF LAMBETH' three of them (24845200, 51362800, 66400600)
    and 'HUMAN TISSUE AUTHORITY:70522200' is not a company. Only a labelled number ('CRN 01234567',
    'VAT No ...') or a GB-prefixed VAT number is kept under its register's scheme (see spend.codes). Where a
    code is known to embed a Companies House number (Kingston's 'UK' + number + site), that number is added
    as 'company_number'.
    """
    codes: list[tuple[str, str]] = []
    name = re.sub(r"\s+", " ", raw).strip()  # spend.codes reads one line; a wrapped cell has several
    # Codes are matched on the upper-cased name, so 'uk0479435601 : ...' splits like 'UK0479435601 : ...';
    # the name keeps its published case (upper-casing keeps the length of everything but a few letters).
    upper = name.upper()
    split = split_glued_code(upper)
    if split.code:
        codes.append((split.kind if split.kind in {"company_number", "vat_number"} else "ledger_code", split.code))
        if len(upper) == len(name):
            start = upper.rfind(split.name) if split.name else -1
            name = name[start : start + len(split.name)] if start >= 0 else split.name
        else:
            name = split.name
    for pattern, scheme in load_code_patterns():
        if scheme == "ledger_code":
            m = pattern.match(name.upper())
            if m:
                codes.append(("ledger_code", m.group("code")))
                name = name[m.start("name") :] if len(name.upper()) == len(name) else m.group("name")
    for found, code in list(codes):
        if found != "ledger_code":
            continue
        for pattern, scheme in load_code_patterns():
            if scheme == "company_number":
                m = pattern.match(code)
                if m:
                    codes.append(("company_number", m.group("company_number")))
    return name, tuple(codes)


def split_run_in_number(text: str) -> tuple[str, str | None]:
    """('LONDON ... COLLABORATIVE', '34473925') for 'LONDON ... COLLABORATIVE34473925'; (text, None) when the
    name has no such number, has digits elsewhere, or is too short to be a name ('ABC123456' is a code)."""
    m = _RUN_IN_NUMBER.match(text)
    if not m:
        return text, None
    word, name = m.group("word"), m.group("name")
    if len(word) < 3 or (len(name.split()) < 2 and len(word) < 5):
        return text, None
    return name.rstrip(), m.group("number")


_REFERENCE = re.compile(r"(?!(?:LTD|PLC|LLP|INC)[0-9])[A-Za-z]{0,3}[0-9]{5,}", re.IGNORECASE)  # not 'LTD123456'



def split_reference_tail(text: str) -> tuple[str, str | None]:
    """('SIEMENS FINANCIAL', 'A9348571 LG18013') for 'SIEMENS FINANCIAL A9348571 LG18013': words at the end
    that are references (five digits or more, behind at most three letters other than a legal form: an
    agreement, invoice or account number written after the name), not part of it. (text, None) when there are none, or when what
    would be left has no word of three letters or more."""
    words = text.split(" ")
    tail: list[str] = []
    while len(words) > 1 and _REFERENCE.fullmatch(words[-1]):
        tail.insert(0, words.pop())
    if not tail or not any(len(w) >= 3 and w.isalpha() and w.upper() not in _STOPWORDS for w in words):
        return text, None
    return " ".join(words), " ".join(tail)


def _initials(words: list[str], *, skip_stopwords: bool) -> str:
    return "".join(w[0] for w in words if w and not (skip_stopwords and w in _STOPWORDS))


def _is_acronym_of(acronym: str, words: list[str]) -> bool:
    acronym = acronym.replace(" ", "")
    if not (2 <= len(acronym) <= 8 and acronym.isalpha()):
        return False
    return acronym in {_initials(words, skip_stopwords=True), _initials(words, skip_stopwords=False)}


def _plain_words(text: str) -> list[str]:
    return re.sub(r"[^A-Z0-9&]+", " ", text.replace("'", "")).split()


def _process_brackets(text: str, notes: list[str]) -> tuple[str, str | None, str | None]:
    """Resolve bracketed parts, innermost first. Returns (text, former name, trading name)."""
    former = trading = None
    while True:
        m = _BRACKET.search(text)
        if not m:
            break
        inner = re.sub(r"\s+", " ", m.group(1)).strip()
        inner_words = _plain_words(inner)
        before_words = _plain_words(text[: m.start()])
        replacement = " " + inner + " "
        if not inner_words or inner_words == ["THE"]:
            replacement = " "
        elif " ".join(inner_words) in _COUNTRY_IN_BRACKETS or re.sub(r"[^A-Z]", "", inner) in {"UK", "GB"}:
            replacement = " "
        elif _FORMER.match(inner):
            former = _FORMER.match(inner).group(1) or None
            replacement = " "
        elif re.match(r"^\s*(?:T\s*/\s*AS?|TRADING\s+AS)\b", inner):
            trading = re.sub(r"^\s*(?:T\s*/\s*AS?|TRADING\s+AS)\s*", "", inner) or None
            replacement = " "
        elif _BRACKET_CODE.match(inner):
            notes.append(f"code in brackets: {inner}")
            replacement = " "
        elif _BRACKET_NOTE.match(inner):
            notes.append(f"note in brackets: {inner}")
            replacement = " "
        elif len(inner_words) == 1 and _is_acronym_of(inner_words[0], before_words):
            notes.append(f"acronym in brackets: {inner}")
            replacement = " "
        elif len(before_words) == 1 and _is_acronym_of(before_words[0], inner_words):
            notes.append(f"expansion in brackets: {inner}")
            replacement = " "
        text = text[: m.start()] + replacement + text[m.end():]
    return text.replace("(", " ").replace(")", " "), former, trading


def _join_initials(tokens: list[str]) -> list[str]:
    """'U K' -> 'UK', 'B M HANNIGAN' -> 'BM HANNIGAN': runs of single letters become one token, so
    'B.M.' and 'BM' agree however the publisher punctuated them."""
    out: list[str] = []
    run: list[str] = []
    for t in tokens + [""]:
        if len(t) == 1 and t.isalpha():
            run.append(t)
            continue
        if run:
            out.append("".join(run) if len(run) > 1 else run[0])
            run = []
        if t:
            out.append(t)
    return out


@lru_cache(maxsize=1)
def _abbreviations_by_first_word() -> dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...]]:
    index: dict[str, list] = {}
    for short, long, where in load_key_abbreviations():
        index.setdefault(short[0], []).append((short, long, where))
    return {k: tuple(v) for k, v in index.items()}


def _replace_abbreviations(tokens: list[str]) -> list[str]:
    index = _abbreviations_by_first_word()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for short, long, where in index.get(tokens[i], ()):
            n = len(short)
            if tuple(tokens[i : i + n]) == short and (where == "any" or i + n == len(tokens)):
                out.extend(long)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


@lru_cache(maxsize=1)
def _forms_by_first_word() -> dict[str, tuple[LegalForm, ...]]:
    index: dict[str, list[LegalForm]] = {}
    for form in load_legal_forms():  # already longest first
        index.setdefault(form.tokens[0], []).append(form)
    return {k: tuple(v) for k, v in index.items()}


@lru_cache(maxsize=1)
def _forms_by_last_word() -> dict[str, tuple[LegalForm, ...]]:
    index: dict[str, list[LegalForm]] = {}
    for form in load_legal_forms():
        index.setdefault(form.tokens[-1], []).append(form)
    return {k: tuple(v) for k, v in index.items()}


def _form_at(tokens: list[str], i: int, kinds: set[str]) -> LegalForm | None:
    for form in _forms_by_first_word().get(tokens[i], ()):
        n = len(form.tokens)
        if form.kind in kinds and tuple(tokens[i : i + n]) == form.tokens:
            return form
    return None


def _ending_form(tokens: list[str], kinds: set[str]) -> LegalForm | None:
    if not tokens:
        return None
    for form in _forms_by_last_word().get(tokens[-1], ()):
        n = len(form.tokens)
        if form.kind in kinds and n < len(tokens) and tuple(tokens[-n:]) == form.tokens:
            return form
    return None


_ENTITY_FORMS = {"company", "llp", "cic", "lp", "typo"}


def _normalise_tokens(tokens: list[str]) -> tuple[list[str], str | None, list[str]]:
    """One pass of the token rules. Returns (tokens, legal form removed, words cut off after the form)."""
    tokens = _join_initials(tokens)
    if tokens and tokens[-1][-1:].isdigit():
        # Also here, not only on the published text, so the key stays a fixed point ('X1234567 LTD' -> 'X').
        tokens = split_run_in_number(" ".join(tokens))[0].split()
    tokens = _replace_abbreviations(tokens)
    while len(tokens) > 1 and tokens[0] == "THE":
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] == "THE":
        tokens = tokens[:-1]
    cut: list[str] = []
    # A legal form in the middle ends the legal entity's name: what follows is an account label, a division
    # or a place ('CAPITA BUSINESS SERVICES LTD (CIVIL SERVICE LEARNING)', 'KPMG LLP FEES ACCOUNT').
    for i in range(1, len(tokens)):
        form = _form_at(tokens, i, _ENTITY_FORMS)
        if form and form.canonical != "COMPANY" and i + len(form.tokens) < len(tokens):
            cut = tokens[i + len(form.tokens) :]
            tokens = tokens[: i + len(form.tokens)]
            break
    legal_form = None
    stripped = False
    while True:
        form = _ending_form(tokens, _ENTITY_FORMS)
        if form and form.action == "strip":
            tokens = tokens[: -len(form.tokens)]
            legal_form = legal_form or form.canonical
            stripped = True
            continue
        country = _ending_form(tokens, {"country"}) if stripped else None
        if country:
            tokens = tokens[: -len(country.tokens)]
            continue
        break
    return tokens, legal_form, cut


@lru_cache(maxsize=500_000)
def body_type_of(key: str) -> str | None:
    """The kept form at the end of a key ('NHS FOUNDATION TRUST', 'CCG', 'CITY COUNCIL'...), if any."""
    tokens = key.split()
    if not tokens:
        return None
    for form in _forms_by_last_word().get(tokens[-1], ()):
        n = len(form.tokens)
        if form.kind == "body" and n <= len(tokens) and tuple(tokens[-n:]) == form.tokens:
            return form.canonical
    return None


def is_missing(value: object) -> bool:
    """True for a cell with no value: None, NaN, or pandas' NA (recognised without importing pandas)."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ == "NAType"


def parse_name(raw: str | None) -> NameParts:
    """Split a published supplier name into its key, codes, legal form, trading name and qualifiers."""
    if is_missing(raw):
        raw = ""
    return _parse_to_fixed_point(str(raw))


@lru_cache(maxsize=200_000)
def _parse_to_fixed_point(raw: str) -> NameParts:
    parts = _parse_name(raw)
    # The key of a key must be the key itself. Rules that read the published spelling (trading-as, account
    # labels) can expose a new pattern in their output, so such a key is re-parsed until it stops changing.
    # (The word rules already ran to a fixed point; only these string rules can still apply to a key.)
    key = parts.key
    if (not _STRING_RULE_WORDS.search(key) and "fallback key" not in parts.notes
            and not _REFERENCE.fullmatch(key.rsplit(" ", 1)[-1])):
        return parts
    for _ in range(10):
        again = _parse_name(key).key
        if again == key:
            break
        key = again
    if key != parts.key:
        parts = replace(parts, key=key, body_type=body_type_of(key))
    return parts


def _parse_name(raw: str) -> NameParts:
    notes: list[str] = []
    name, codes = split_name_codes(raw)
    cleaned, run_in = split_run_in_number(clean_text(name))
    if run_in:
        notes.append(f"number run into the name: {run_in}")
    cleaned, references = split_reference_tail(cleaned)
    if references:
        notes.append(f"reference after the name: {references}")
    text = cleaned.upper()

    trading = None
    m = _DIVISION_OF.search(text)
    if m:
        trading = text[: m.start()].strip(" -,(") or None
        text = text[m.end():]
    m = _TRADING_AS.search(text) or _LTD_TA.search(text)
    if m:
        start = m.start(1) if m.re is _LTD_TA else m.start()
        end = m.end(1) if m.re is _LTD_TA else m.end()
        entity, after = text[:start], text[end:]
        trading = trading or re.sub(r"[\s)]+$", "", after).strip(" .:-") or None
        text = entity if entity.strip(" (-,") else after
        text = text.rstrip(" (-,")
    qualifier_parts: list[str] = []
    m = _CARE_OF.search(text)
    if m:
        qualifier_parts.append(m.group(0).strip())
        text = text[: m.start()]
    for pattern in (_ACCOUNT, _CIS_TAG):
        m = pattern.search(text)
        if m and text[: m.start()].strip():
            qualifier_parts.append(m.group(0).strip())
            text = text[: m.start()]

    text, former, bracket_trading = _process_brackets(text, notes)
    trading = trading or bracket_trading
    text = text.replace("'", "")
    text = re.sub(r"[&+]", " AND ", text)
    text = re.sub(r"[^A-Z0-9]+", " ", text)
    tokens = text.split()

    legal_form = None
    while True:  # the token rules run to a fixed point, which is what makes the key idempotent
        new_tokens, form, cut = _normalise_tokens(tokens)
        legal_form = legal_form or form
        if cut:
            qualifier_parts.insert(0, " ".join(cut))
        if new_tokens == tokens:
            break
        tokens = new_tokens
    key = " ".join(tokens)
    if not key:
        # Nothing but a legal form or punctuation: keep what there is rather than an empty key.
        key = " ".join(_join_initials(re.sub(r"[^A-Z0-9]+", " ", cleaned.upper()).split()))
        notes.append("fallback key")
    return NameParts(
        raw=raw,
        cleaned=cleaned,
        key=key,
        codes=codes,
        legal_form=legal_form,
        body_type=body_type_of(key),
        trading_name=trading,
        qualifier=" ".join(qualifier_parts) or None,
        former_name=former,
        notes=tuple(notes),
    )


@lru_cache(maxsize=200_000)
def make_key(raw: str | None) -> str:
    """The normalisation key of a published supplier name (see the module docstring)."""
    return parse_name(raw).key
