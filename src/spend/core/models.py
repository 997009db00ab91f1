"""Declared models of the package's data files, and one way to say what is wrong with an entry.

The registries (spend/data/publishers.yaml, figures.yaml) and the supplier CSVs are checked by converting
each entry to a msgspec `Struct` whose fields carry their types and constraints (`Meta(pattern=...)`,
`Literal[...]`, `re.Pattern` for a regular expression that must compile). `Meta(description=...)` says, as
a noun phrase, what a constrained field must be. When an entry does not fit, `convert` raises the caller's
typed error with one sentence naming the field:

    slug 'Test_Trust' is not lower-case words joined by single hyphens, at most 64 characters
    unknown sector 'government'; use one of charity, company, nhs, public
    source: 'date' must be quoted text, not datetime.date(2019, 8, 1) (YYYY[-MM[-DD]] or "not recorded")
    hints must be a mapping with keys from ['date_order', 'publisher_column']; unknown field(s) ['colour']
    missing field(s) ['notes']

Rules a model cannot say (a successor names another entry, how a query's fields go together) stay as
explicit checks in the module that reads the file.

Only the modules that read a data file import this one (and so msgspec); `spend --help` does not.
msgspec was chosen over pydantic v2 for its cost, measured on the project's 2-core machine with pandas and
PyYAML already loaded: importing it takes about 5 ms, and about 10 ms with the publisher models defined
(pydantic: 40-70 ms, and 110-180 ms once its validators are built); checking the 34 entries of
publishers.yaml takes about 0.08 ms (pydantic: about 0.25 ms; the hand-written checks it replaced: 0.5 ms).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, TypeVar

import msgspec
from msgspec import inspect as mi

T = TypeVar("T")
_MISSING = object()
_AT = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>\$[^`]*)`| - at `key` in `(?P<keys>\$[^`]*)`)?$", re.S)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")
_READABLE = {"str": "quoted text", "int": "a whole number", "float": "a number", "bool": "true or false",
             "object": "a mapping", "array": "a list", "decimal": "a decimal number", "null": "empty"}
_SCALARS = (mi.StrType, mi.IntType, mi.FloatType, mi.BoolType, mi.DecimalType, mi.LiteralType, mi.EnumType,
            mi.DateType, mi.DateTimeType, mi.NoneType, mi.CustomType)


def convert(value: Any, model: type[T], error: Callable[[str], Exception], *, where: str | None = None,
            root: str = "the entry", noun: str = "field", strict: bool = True) -> T:
    """`value` (as read from YAML or a CSV row) as a `model`; `error(reason)` raised when it does not fit.

    `where` starts the reason (e.g. 'figure ok'), `root` names the value itself (e.g. 'each entry'),
    `noun` is what the file calls a key ('field' in YAML, 'column' in a CSV)."""
    try:
        return msgspec.convert(value, model, strict=strict, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise error(explain(str(exc), value, model, where=where, root=root, noun=noun)) from None


def explain(message: str, value: Any, model: Any, *, where: str | None = None, root: str = "the entry",
            noun: str = "field") -> str:
    """One sentence from a msgspec validation message: the field's place, what was found, what it must be."""
    m = _AT.match(message)
    text, steps = m["message"], _steps(m["path"] or m["keys"] or "$")
    if m["keys"]:
        steps.append(" keys")
    place = _Place(_walk(_info(model), steps, value), steps, root)
    if found := re.match(r"Object (missing required|contains unknown) field `(.+)`", text):
        sentence, glue = _fields(place, "missing" if found[1] == "missing required" else "unknown", found[2], noun)
    elif found := re.match(r"Expected `([^`]+)`, got `[^`]+`$", text):
        sentence, glue = _wrong_type(place, found[1].split(" | "))
    else:
        sentence, glue = _bad_value(place, text), ": "
    return f"{where}{glue}{sentence}" if where else sentence


class _Place:
    """Where in an entry a problem is: the label to show, the model's node there, its description, the value."""

    def __init__(self, nodes: list, steps: list, root: str):
        self.nodes = nodes  # one (label, node, description, value) per step, the entry itself first
        self.label, self.node, self.description, self.value = nodes[-1]
        self.key = steps[-1] if steps and isinstance(steps[-1], str) and not steps[-1].startswith(" ") else None
        self.root = root

    def shown(self, before: str) -> str:
        return "" if self.value is _MISSING else f"{before}{self.value!r}"


def _fields(place: _Place, what: str, name: str, noun: str) -> tuple[str, str]:
    problem = f"{what} {noun}(s) {[name]}"
    if not place.label:
        return problem, ": "
    if what == "missing":
        return f"{place.label}: {problem}", ": "
    keys = sorted(f.encode_name for f in place.node.fields) if isinstance(place.node, mi.StructType) else []
    return f"{place.label} must be a mapping with keys from {keys}; {problem}", ": "


def _wrong_type(place: _Place, expected: list[str]) -> tuple[str, str]:
    wanted = " or ".join(_READABLE.get(t, t) for t in expected if t != "null")
    if isinstance(place.node, _SCALARS) and place.key:
        parent = place.nodes[-2][0]  # a scalar is named as the key of its mapping: source: 'date'
        named = f"{parent}: '{place.key}'" if parent else f"'{place.key}'"
        more = f" ({place.description})" if place.description else ""
        return f"{named} must be {wanted}{place.shown(', not ')}{more}", " " if parent else ": "
    return f"{place.label or place.root} must be {place.description or wanted}{place.shown(', not ')}", ": "


def _bad_value(place: _Place, text: str) -> str:
    label, node, got = place.label or place.root, place.node, place.shown(" ")
    if place.description:
        return f"{label}{got} is not {place.description}"
    if text.startswith("Invalid enum value") and isinstance(node, (mi.LiteralType, mi.EnumType)):
        choices = node.values if isinstance(node, mi.LiteralType) else [m.value for m in node.cls]
        return f"unknown {label}{got}; use one of {', '.join(sorted(map(str, choices)))}"
    outer = next(((lb, d) for lb, _, d, _ in reversed(place.nodes[:-1]) if d), None)
    if outer:  # a constraint of a list's item, say, described by the list: 'corpus must be a list of ...'
        return f"{outer[0] or place.root} must be {outer[1]}: {label} is{got or ' not valid'}"
    return f"{label}{got}: {text[0].lower()}{text[1:]}"


def _decode(kind: type, value: Any) -> Any:
    """The types msgspec does not know: a field typed `re.Pattern` holds a regular expression that compiles."""
    if kind is re.Pattern:
        if not isinstance(value, str):
            raise TypeError(f"Expected `str`, got `{type(value).__name__}`")
        try:
            return re.compile(value)
        except re.error as exc:
            raise ValueError(f"bad pattern: {exc}") from None
    raise NotImplementedError(kind)


@lru_cache(maxsize=None)
def _info(model):
    return mi.type_info(model)


def _steps(path: str) -> list:
    """'$.query.supplier' -> ['query', 'supplier']; '$.corpus[0]' -> ['corpus', 0]; a dict's values: ' values'."""
    return [name or (int(index) if index else " values") for name, index in _STEP.findall(path[1:])]


def _walk(node, steps: list, value) -> list[tuple[str, Any, str | None, Any]]:
    """The model's node, its description and the entry's value at each step of a path, with a label to show."""
    label, out = "", []
    for i in range(len(steps) + 1):
        node, description = _unwrap(node, value)
        out.append((label, node, description, value))
        if i == len(steps):
            break
        step = steps[i]
        node, value = _child(node, step, value)
        if isinstance(step, int):
            label = f"{label}[{step}]"
        elif step.startswith(" "):
            label = f"{label}{step}"
        else:
            label = f"{label} {step}" if label else step
    return out


def _unwrap(node, value):
    """A node without its metadata (keeping the description), and the member of a union the value is for."""
    description = None
    while True:
        if isinstance(node, mi.Metadata):
            description = (node.extra_json_schema or {}).get("description") or description
            node = node.type
        elif isinstance(node, mi.UnionType):
            members = [t for t in node.types if not isinstance(t, mi.NoneType)]
            node = next((t for t in members if _fits(t, value)), members[0])
        else:
            return node, description


def _fits(node, value) -> bool:
    core = node.type if isinstance(node, mi.Metadata) else node
    if isinstance(value, dict):
        return isinstance(core, (mi.StructType, mi.DictType))
    if isinstance(value, list):
        return isinstance(core, (mi.ListType, mi.VarTupleType, mi.TupleType, mi.SetType, mi.FrozenSetType))
    return isinstance(core, _SCALARS)


def _child(node, step, value):
    if isinstance(node, mi.StructType) and isinstance(step, str):
        field = next((f for f in node.fields if f.encode_name == step), None)
        return (field.type if field else None), (value.get(step, _MISSING) if isinstance(value, dict) else _MISSING)
    if isinstance(node, mi.DictType):
        return (node.key_type if step == " keys" else node.value_type), _MISSING
    if isinstance(step, int) and hasattr(node, "item_type"):
        inner = value[step] if isinstance(value, (list, tuple)) and step < len(value) else _MISSING
        return node.item_type, inner
    return None, _MISSING
