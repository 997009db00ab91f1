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
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

import yaml
from msgspec import UNSET, Meta, Struct, UnsetType
from msgspec.structs import force_setattr

from spend.core.models import convert
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
DATE_ORDERS = frozenset({"day-first", "month-first"})

Slug = Annotated[str, Meta(pattern=SLUG.pattern, max_length=64,
                           description="lower-case words joined by single hyphens, at most 64 characters")]
Kind = Annotated[Literal[tuple(sorted(KINDS))], Meta(description=f"one of {sorted(KINDS)}")]
DateOrder = Annotated[Literal[tuple(sorted(DATE_ORDERS))], Meta(description=f"one of {sorted(DATE_ORDERS)}")]
# A landing page is fetched: an http(s) URL with a host, no spaces (http only for a test server).
Url = Annotated[str, Meta(pattern=r"^https?://[^\s/?#]+[^\s]*$", description="an http(s) URL")]
# Globs are relative to the corpus folder, and stay inside it.
Glob = Annotated[str, Meta(pattern=r"^(?!/)(?!(?:.*/)?\.\.(?:/|$)).+$")]
Globs = Annotated[tuple[Glob, ...], Meta(description="a list of relative globs (no leading '/', no '..')")]


class Hints(Struct, frozen=True, forbid_unknown_fields=True):
    """Parsing hints for `spend build`, read like a mapping of the hints given: `hints.get("date_order")`."""

    publisher_column: bool | UnsetType = UNSET  # false when some file has no Entity/Body column
    date_order: DateOrder | UnsetType = UNSET  # when every file of the body reads one way

    def __getitem__(self, key: str) -> Any:
        if key not in self.__struct_fields__ or (value := getattr(self, key)) is UNSET:
            raise KeyError(key)
        return value

    def __iter__(self):
        return (k for k in self.__struct_fields__ if getattr(self, k) is not UNSET)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    get, keys, items, values, __contains__ = Mapping.get, Mapping.keys, Mapping.items, Mapping.values, Mapping.__contains__


Mapping.register(Hints)
HINT_KEYS = frozenset(Hints.__struct_fields__)


class Publisher(Struct, frozen=True, forbid_unknown_fields=True):
    """One body that publishes spend files: an entry of `spend/data/publishers.yaml` (see there for the fields)."""

    slug: Slug
    name: Annotated[str, Meta(pattern=r"^\S(?:.*\S)?$", description="non-empty text without surrounding spaces")]
    kind: Kind
    landing_pages: tuple[Url, ...]
    hints: Hints
    corpus: Globs
    notes: str
    ods_code: Annotated[str, Meta(pattern=ODS_CODE.pattern,
                                  description="3-6 upper-case letters or digits, quoted in YAML")] | None = None
    identifiers: Mapping[str, str] = {}
    corpus_exclude: Globs = ()
    corpus_periods: Mapping[str, str] = {}
    successor: Slug | None = None

    def __post_init__(self) -> None:
        for name in ("identifiers", "corpus_periods"):  # read-only, like the rest of the entry
            force_setattr(self, name, MappingProxyType(dict(getattr(self, name))))
        force_setattr(self, "notes", self.notes.strip())

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
    where = item["slug"] if isinstance(item, dict) and isinstance(item.get("slug"), str) else f"entry {index + 1}"

    def fail(reason: str) -> RegistryError:
        return RegistryError(path, reason, locator=where)

    publisher = convert(item, Publisher, fail, root="each entry")
    # What a model does not say: a period must be one, and a successor is another entry (checked in _load).
    for rel, label in publisher.corpus_periods.items():
        try:
            Period.parse(label)
        except PeriodError as e:
            raise fail(f"corpus_periods[{rel!r}]: {e.reason}") from None
    if publisher.successor == publisher.slug:
        raise fail("successor must be another entry's slug")
    return publisher
