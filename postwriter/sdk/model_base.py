"""Typed views of the API's resources, built tolerantly from its JSON.

Every model keeps the whole object in `raw` and the fields it does not know in `extra`, so a
server that adds fields never breaks an older client, and a field this SDK does not model
yet is still at hand. A missing optional field is None (or empty); only the id of a resource
is required.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Generic, TypeVar, cast, get_args, get_origin, get_type_hints

from .errors import UnexpectedResponse

M = TypeVar("M", bound="Model")
T = TypeVar("T")


def _instant(value: Any) -> datetime | None:
    """An ISO 8601 time as a datetime; None when absent or unreadable (raw keeps the text)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Model:
    """Base of every resource: `from_json` fills the fields, keeps the rest in `extra`."""

    # Other names the server may give a field (older or newer spellings).
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {}

    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls: type[M], data: Any) -> M:
        if not isinstance(data, Mapping):
            kind = type(data).__name__
            raise UnexpectedResponse(f"{cls.__name__}: expected an object, got {kind}")
        values: dict[str, Any] = {}
        used: set[str] = set()
        for f in dataclasses.fields(cls):
            if f.name in ("raw", "extra"):
                continue
            names = (f.name, *cls.ALIASES.get(f.name, ()))
            found = next((n for n in names if n in data), None)
            if found is None:
                if f.default is MISSING and f.default_factory is MISSING:
                    raise UnexpectedResponse(f"{cls.__name__} without {f.name}: {dict(data)!r}")
                continue
            used.add(found)
            value = data[found]
            if value is None and f.default_factory is not MISSING:
                # `null` for a list or mapping reads as empty: callers need not test for None.
                values[f.name] = f.default_factory()
            else:
                values[f.name] = _converter(cast(Hashable, cls), f.name)(value)
        extra = {k: v for k, v in data.items() if k not in used}
        return cls(**values, raw=dict(data), extra=extra)


def _same(value: Any) -> Any:
    return value


@cache
def _converter(cls: Any, name: str) -> Callable[[Any], Any]:
    """How to read a field, from its type: times parsed, nested models built."""
    hint = get_type_hints(cls)[name]
    args = get_args(hint)
    if hint is datetime or (datetime in args and len(args) == 2):
        return _instant
    if get_origin(hint) is list and args and isinstance(args[0], type):
        item = args[0]
        if issubclass(item, Model):
            return lambda items: (
                [item.from_json(i) for i in items] if isinstance(items, list) else []
            )
    return _same


@dataclass(frozen=True, slots=True)
class Listing(Generic[T]):
    """One answer of a list route: its items, and the cursor of the next page (None: last).

    Iterate it, take `len()`, or index it like a list. `raw` is the whole answer (e.g.
    `archived_now` of the dead-letter listing).
    """

    items: list[T]
    next_cursor: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]
