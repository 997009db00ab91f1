"""The publisher registry: who publishes spend files, where, and how to read them.

The facts live in package data (`spend/data/publishers.yaml`, one entry per body, each fact with a
comment naming its source); this module loads and checks them. Adding a publisher means adding an
entry there, not code here.

    from spend.sources.registry import load_publishers, get_publisher
    hounslow = get_publisher("nhs-hounslow-ccg")
    hounslow.name, hounslow.ods_code, hounslow.hints.get("date_order")
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping
from urllib.parse import urlsplit

import yaml

from spend.sources.errors import RegistryError, UnknownPublisher
from spend.core.periods import Period, PeriodError

# What kind of body publishes. A fixed list so that a typo is an error, not a new kind.
KINDS = frozenset({
    "nhs-england",      # NHS England (and its regional teams)
    "ccg",              # clinical commissioning groups (2013-2022)
    "icb",              # integrated care boards (from July 2022)
    "trust",            # NHS trusts and foundation trusts
    "department",       # central government departments
    "agency",           # executive agencies and arm's-length bodies
    "research-council", # research councils (BBSRC ...)
    "council",          # local authorities
    "public-health",    # public-health services shared between councils
})

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ODS_CODE = re.compile(r"^[A-Z0-9]{3,6}$")
HINT_KEYS = frozenset({"publisher_column", "date_order"})
DATE_ORDERS = frozenset({"day-first", "month-first"})
_FIELDS = frozenset({"slug", "name", "kind", "ods_code", "identifiers", "landing_pages", "hints", "corpus",
                     "corpus_exclude", "corpus_periods", "successor", "notes"})
_REQUIRED = ("slug", "name", "kind", "landing_pages", "hints", "corpus", "notes")


@dataclass(frozen=True)
class Publisher:
    """One body that publishes spend files. See `spend/data/publishers.yaml` for the fields."""

    slug: str
    name: str
    kind: str
    ods_code: str | None = None
    identifiers: Mapping[str, str] = field(default_factory=dict)
    landing_pages: tuple[str, ...] = ()
    hints: Mapping[str, Any] = field(default_factory=dict)
    corpus: tuple[str, ...] = ()
    corpus_exclude: tuple[str, ...] = ()
    corpus_periods: Mapping[str, str] = field(default_factory=dict)
    successor: str | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        for name in ("identifiers", "hints", "corpus_periods"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        for name in ("landing_pages", "corpus", "corpus_exclude"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def needs_publisher_name(self) -> bool:
        """True when some file lacks an Entity column, so the parser must be given `name`."""
        return self.hints.get("publisher_column") is False

    def corpus_files(self, root: str | Path) -> list[Path]:
        """This body's files in a corpus folder laid out like ../shared/realdata, sorted."""
        root = Path(root)
        found: set[Path] = set()
        for pattern in self.corpus:
            found.update(p for p in root.glob(pattern) if p.is_file())
        return sorted(p for p in found if not self.is_excluded(p.relative_to(root).as_posix()))

    def is_excluded(self, relative: str) -> bool:
        return any(fnmatch.fnmatch(relative, pattern) for pattern in self.corpus_exclude)

    def corpus_period(self, relative: str) -> Period | None:
        """The period of a corpus file: the registry's word where the name does not say, else the name's."""
        from spend.core.periods import infer_period

        if relative in self.corpus_periods:
            return Period.parse(self.corpus_periods[relative])
        return infer_period(relative)


def default_registry_path() -> Path:
    return Path(str(resources.files("spend") / "data" / "publishers.yaml"))


def load_publishers(path: str | Path | None = None) -> list[Publisher]:
    """Every entry of the registry at `path` (default: the package's), checked; in file order."""
    if path is None:
        return list(_load_default())
    return _load(Path(path))


@functools.lru_cache(maxsize=1)
def _load_default() -> tuple[Publisher, ...]:
    return tuple(_load(default_registry_path()))


def get_publisher(slug: str, path: str | Path | None = None) -> Publisher:
    """The entry with this slug; `UnknownPublisher` (naming the nearest slugs) if there is none."""
    publishers = load_publishers(path)
    for publisher in publishers:
        if publisher.slug == slug:
            return publisher
    slugs = [p.slug for p in publishers]
    near = difflib.get_close_matches(slug, slugs, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(near)}?" if near else "; run 'spend publishers list'"
    raise UnknownPublisher(slug, f"no such publisher in {path or 'the registry'}{hint}")


def _load(path: Path) -> list[Publisher]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(path, "registry file not found") from None
    except yaml.YAMLError as e:
        raise RegistryError(path, f"not valid YAML ({e})") from None
    if not isinstance(raw, list):
        raise RegistryError(path, "the registry must be a YAML list of publisher entries")
    publishers = [_entry(path, i, item) for i, item in enumerate(raw)]
    seen: set[str] = set()
    for p in publishers:
        if p.slug in seen:
            raise RegistryError(path, f"slug {p.slug!r} appears twice")
        seen.add(p.slug)
    for p in publishers:
        if p.successor is not None and p.successor not in seen:
            raise RegistryError(path, f"successor {p.successor!r} is not in the registry", locator=p.slug)
    return publishers


def _entry(path: Path, index: int, item: Any) -> Publisher:
    where = f"entry {index + 1}"
    if not isinstance(item, dict):
        raise RegistryError(path, "each entry must be a mapping", locator=where)
    if isinstance(item.get("slug"), str):
        where = item["slug"]
    unknown = set(item) - _FIELDS
    if unknown:
        raise RegistryError(path, f"unknown field(s) {sorted(unknown)}", locator=where)
    missing = [f for f in _REQUIRED if f not in item or item[f] is None]
    if missing:
        raise RegistryError(path, f"missing field(s) {missing}", locator=where)

    def fail(reason: str) -> RegistryError:
        return RegistryError(path, reason, locator=where)

    slug, name, kind = item["slug"], item["name"], item["kind"]
    if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > 64:
        raise fail(f"slug {slug!r} must be lower-case words joined by single hyphens")
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise fail("name must be non-empty text without surrounding spaces")
    if kind not in KINDS:
        raise fail(f"kind {kind!r} is not one of {sorted(KINDS)}")
    ods = item.get("ods_code")
    if ods is not None and (not isinstance(ods, str) or not ODS_CODE.match(ods)):
        raise fail(f"ods_code {ods!r} must be 3-6 upper-case letters or digits (quote it in YAML)")
    identifiers = item.get("identifiers") or {}
    if not isinstance(identifiers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in identifiers.items()):
        raise fail("identifiers must map names to text")
    pages = item["landing_pages"]
    if not isinstance(pages, list) or not all(isinstance(u, str) for u in pages):
        raise fail("landing_pages must be a list of URLs")
    for url in pages:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or url != url.strip():
            raise fail(f"landing page {url!r} is not an http(s) URL")
    hints = item["hints"]
    if not isinstance(hints, dict) or set(hints) - HINT_KEYS:
        raise fail(f"hints must be a mapping with keys from {sorted(HINT_KEYS)}")
    if "date_order" in hints and hints["date_order"] not in DATE_ORDERS:
        raise fail(f"hints.date_order must be one of {sorted(DATE_ORDERS)}")
    if "publisher_column" in hints and not isinstance(hints["publisher_column"], bool):
        raise fail("hints.publisher_column must be true or false")
    globs = {}
    for key in ("corpus", "corpus_exclude"):
        value = item.get(key) or []
        if not isinstance(value, list) or not all(isinstance(g, str) and g and not g.startswith("/") and ".." not in g.split("/") for g in value):
            raise fail(f"{key} must be a list of relative globs")
        globs[key] = value
    periods = item.get("corpus_periods") or {}
    if not isinstance(periods, dict):
        raise fail("corpus_periods must map relative paths to periods")
    for rel, label in periods.items():
        try:
            Period.parse(str(label))
        except PeriodError as e:
            raise fail(f"corpus_periods[{rel!r}]: {e.reason}") from None
    notes = item["notes"]
    if not isinstance(notes, str):
        raise fail("notes must be text")
    successor = item.get("successor")
    if successor is not None and (not isinstance(successor, str) or successor == slug):
        raise fail("successor must be another entry's slug")
    return Publisher(
        slug=slug, name=name, kind=kind, ods_code=ods, identifiers=identifiers, landing_pages=tuple(pages),
        hints=hints, corpus=tuple(globs["corpus"]), corpus_exclude=tuple(globs["corpus_exclude"]),
        corpus_periods={str(k): str(v) for k, v in periods.items()}, successor=successor, notes=notes.strip(),
    )
