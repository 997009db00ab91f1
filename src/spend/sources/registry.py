"""The publisher registry: who publishes spend files, where, and how to read them.

The facts live in package data (`spend/data/publishers.yaml`, one entry per body, each fact with a
comment naming its source); this module loads and checks them. Adding a publisher means adding an
entry there, not code here.

An analyst's own bodies live in a **local registry** in the data folder (`data/publishers.yaml`, written
by `spend add`), which extends the package's and never replaces it: an entry with a new slug adds a body
(only `name` is required; the slug is derived from it), and an entry with a known slug amends that body
(its fields replace the package's; `aliases` add to them). `publishers_for(data_dir)` gives the bodies
every command works with: the package's, then the local registry's, then an extra file's (`--registry`).

    from spend.sources.registry import load_publishers, get_publisher, publishers_for, find_publisher
    hounslow = get_publisher("nhs-hounslow-ccg")
    hounslow.name, hounslow.ods_code, hounslow.hints.get("date_order")
    find_publisher(publishers_for("data"), "NHS North Central London CCG")   # by slug, name or alias
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
# Where a body takes Freedom of Information requests: an email address, or the https page of its request form.
FoiContact = Annotated[str, Meta(pattern=r"^(?:[^@\s/:]+@[^@\s/]+\.[A-Za-z]{2,}|https://[^\s/?#]+[^\s]*)$",
                                 description="an email address or an https URL")]


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


Name = Annotated[str, Meta(pattern=r"^\S(?:.*\S)?$", description="non-empty text without surrounding spaces")]


class Publisher(Struct, frozen=True, forbid_unknown_fields=True):
    """One body that publishes spend files: an entry of `spend/data/publishers.yaml` (see there for the fields).
    Only `slug` and `name` are required (the package registry's own test asks more of its entries)."""

    slug: Slug
    name: Name
    kind: Kind | None = None
    landing_pages: tuple[Url, ...] = ()
    hints: Hints = Hints()
    corpus: Globs = ()
    notes: str = ""
    aliases: tuple[Name, ...] = ()  # other names the body publishes or is known under (a renamed trust)
    ods_code: Annotated[str, Meta(pattern=ODS_CODE.pattern,
                                  description="3-6 upper-case letters or digits, quoted in YAML")] | None = None
    identifiers: Mapping[str, str] = {}
    corpus_exclude: Globs = ()
    corpus_periods: Mapping[str, str] = {}
    successor: Slug | None = None
    foi_contact: FoiContact | None = None

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


LOCAL_REGISTRY = "publishers.yaml"


def local_registry_path(data_dir: str | Path) -> Path:
    """The data folder's own registry, which extends the package's: `<data>/publishers.yaml`."""
    return Path(data_dir) / LOCAL_REGISTRY


def slug_for(name: str) -> str:
    """The slug a body's name gives: 'NHS North Central London CCG' -> 'nhs-north-central-london-ccg'."""
    words = re.findall(r"[a-z0-9]+", name.lower().replace("&", " and ").replace("'", ""))
    slug = "-".join(words)[:64].strip("-")
    if not slug:
        raise RegistryError(None, f"{name!r} has no letters or digits to make a publisher slug from")
    return slug


def _name_key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ")))


def find_publisher(publishers: list[Publisher], text: str) -> Publisher | None:
    """The body `text` names: its slug, its name or one of its aliases (case, spacing and punctuation
    aside), or a name whose slug is its slug; None when no entry does."""
    key = _name_key(text)
    for p in publishers:
        if text == p.slug or key in (_name_key(p.name), *map(_name_key, p.aliases)):
            return p
    slug = slug_for(text) if key else None
    return next((p for p in publishers if p.slug == slug), None)


def publishers_for(data_dir: str | Path | None = None, extra: str | Path | None = None) -> list[Publisher]:
    """The bodies commands work with: the package registry, amended and extended by the local registry of
    `data_dir` (when it has one) and then by `extra` (a registry file given with --registry)."""
    from spend.core import config

    layers = [local_registry_path(data_dir if data_dir is not None else config.data_dir())]
    if extra is not None:
        layers.append(Path(extra))
    publishers = {p.slug: p for p in _load_default()}
    for path in layers:
        if path == layers[0] and not path.is_file():
            continue
        for item in _read_list(path):
            entry = _layer_entry(path, item, publishers)
            publishers[entry.slug] = entry
    _check_successors(layers[-1], list(publishers.values()))
    return list(publishers.values())


def _layer_entry(path: Path, item: Any, known: dict[str, Publisher]) -> Publisher:
    """An entry of a local or extra registry: a new body, or an amendment to a known one."""
    if isinstance(item, dict) and "slug" not in item and isinstance(item.get("name"), str):
        found = next((p for p in known.values() if _name_key(p.name) == _name_key(item["name"])), None)
        item = {**item, "slug": found.slug if found else slug_for(item["name"])}
    slug = item.get("slug") if isinstance(item, dict) else None
    if isinstance(slug, str) and slug in known:
        base = _as_item(known[slug])
        aliases = [*base.get("aliases", []), *[a for a in item.get("aliases", []) if a not in base.get("aliases", [])]]
        item = {**base, **item, "aliases": aliases}
    return _entry(path, 0, item)


def _as_item(publisher: Publisher) -> dict[str, Any]:
    """An entry as it would be written in YAML (fields left at their defaults left out)."""
    item: dict[str, Any] = {}
    for name in publisher.__struct_fields__:
        value = getattr(publisher, name)
        if isinstance(value, Hints):
            value = dict(value.items())
        elif isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        if value not in (None, "", [], {}):
            item[name] = value
    return item


def add_local_publisher(data_dir: str | Path, name: str, *, kind: str | None = None, ods_code: str | None = None,
                        successor: str | None = None, notes: str | None = None, write: bool = True) -> Publisher:
    """Add a body to the local registry of `data_dir` and return its entry (with `write=False`, only check
    it). `RegistryError` when the entry is not valid (an unknown kind, a successor that is not registered)
    or its slug is taken by another body."""
    entry: dict[str, Any] = {"slug": slug_for(name), "name": name}
    for field, value in (("kind", kind), ("ods_code", ods_code), ("successor", successor), ("notes", notes)):
        if value:
            entry[field] = value
    known = {p.slug: p for p in publishers_for(data_dir)}
    if entry["slug"] in known:
        raise RegistryError(local_registry_path(data_dir), f"{entry['slug']!r} is already a publisher "
                                                          f"({known[entry['slug']].name})")
    return _append_local(data_dir, entry, known, write=write)


def add_local_alias(data_dir: str | Path, slug: str, alias: str) -> Publisher:
    """Record in the local registry that `alias` is another name of the body `slug`."""
    known = {p.slug: p for p in publishers_for(data_dir)}
    if slug not in known:
        raise UnknownPublisher(slug, "no such publisher to give another name to; run 'spend publishers list'")
    return _append_local(data_dir, {"slug": slug, "aliases": [alias]}, known)


_LOCAL_HEADER = """\
# This data folder's own publishers, read with the package's registry (spend/data/publishers.yaml) by
# every spend command. An entry with a new slug adds a body (only `name` is required); an entry with a
# slug the package registry has amends that body. Written by `spend add`; you may edit it.
"""


def _append_local(data_dir: str | Path, entry: dict[str, Any], known: dict[str, Publisher], *,
                  write: bool = True) -> Publisher:
    from spend.core.files import write_atomic

    path = local_registry_path(data_dir)
    items = _read_list(path) if path.is_file() else []
    same = next((i for i in items if isinstance(i, dict) and i.get("slug") == entry["slug"]), None)
    if same is not None:  # one entry a body: fold an alias into the body's local entry
        same["aliases"] = [*same.get("aliases", []), *[a for a in entry.get("aliases", []) if a not in same.get("aliases", [])]]
    else:
        items.append(entry)
    checked = _layer_entry(path, same or entry, known)  # refuse what would not load, before writing
    _check_successors(path, [*(p for p in known.values() if p.slug != checked.slug), checked])
    if write:
        text = _LOCAL_HEADER + "\n" + yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=100)
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
    return checked


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
    raise _unknown(slug, publishers, path or "the registry")


def publisher_named(publishers: list[Publisher], text: str) -> Publisher:
    """`find_publisher`, or `UnknownPublisher` naming the nearest slugs."""
    found = find_publisher(publishers, text)
    if found is None:
        raise _unknown(text, publishers, "the registry")
    return found


def _unknown(text: str, publishers: list[Publisher], where) -> UnknownPublisher:
    near = difflib.get_close_matches(text, [p.slug for p in publishers], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(near)}?" if near else "; run 'spend publishers list'"
    return UnknownPublisher(text, f"no such publisher in {where}{hint}")


def _read_list(path: Path) -> list:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(path, "registry file not found") from None
    except yaml.YAMLError as e:
        raise RegistryError(path, f"not valid YAML ({e})") from None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RegistryError(path, "the registry must be a YAML list of publisher entries")
    return raw


def _load(path: Path) -> list[Publisher]:
    publishers = [_entry(path, i, item) for i, item in enumerate(_read_list(path))]
    seen: set[str] = set()
    for p in publishers:
        if p.slug in seen:
            raise RegistryError(path, f"slug {p.slug!r} appears twice")
        seen.add(p.slug)
    _check_successors(path, publishers)
    return publishers


def _check_successors(path: Path, publishers: list[Publisher]) -> None:
    successors = {p.slug: p.successor for p in publishers}
    for p in publishers:
        if p.successor is not None and p.successor not in successors:
            raise RegistryError(path, f"successor {p.successor!r} is not in the registry", locator=p.slug)
    for p in publishers:  # a chain of successors ends with the body that holds the records now
        chain = [p.slug]
        while (slug := successors.get(chain[-1])) is not None:
            if slug in chain:
                raise RegistryError(path, "successors go round in a circle: " + " -> ".join([*chain, slug]),
                                    locator=p.slug)
            chain.append(slug)


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
