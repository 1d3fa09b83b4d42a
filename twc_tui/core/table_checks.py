"""What the config's array-of-tables sections share: the place to name in an error, the
scalar checks (handed in by :mod:`twc_tui.core.config`, so there is one of each), durations."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
Check = Callable[[Any], Any]
At = Callable[[str], str]
"""``at(key)``: the place to name in an error, for one key of one table."""
Where = Callable[[str, str, int], str]
"""``where(key, table, index)``: the same, given the table and its index."""


@dataclass(frozen=True)
class Checks:
    """The config module's scalar checks."""

    number: Callable[..., Check]
    string: Callable[..., Check]
    boolean: Check


def each(data: Mapping[str, Any], table: str, where: Where,
         build: Callable[[Mapping[str, Any], At], T]) -> Iterator[T]:
    """``build(entry, at)`` for every ``[[table]]`` entry."""
    raw = data.get(table, [])
    if not isinstance(raw, list):
        raise ValueError(f"{where('', table, 0)}: use [[{table}]] tables")
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where('', table, index)}: expected a table")

        def at(key: str, index: int = index) -> str:
            return where(key, table, index)

        yield build(entry, at)


def checked(at: At, key: str, check: Check, raw: Any) -> Any:
    """``check(raw)``, its error prefixed with where ``key`` is."""
    try:
        return check(raw)
    except ValueError as error:
        raise ValueError(f"{at(key)}: {error}") from None


def known(entry: Mapping[str, Any], allowed: tuple[str, ...], at: At) -> None:
    for key in entry:
        if key not in allowed:
            raise ValueError(f"{at(key)}: unknown key (known: {', '.join(allowed)})")


def required(entry: Mapping[str, Any], keys: tuple[str, ...], at: At, why: str = "") -> None:
    for key in keys:
        if key not in entry:
            raise ValueError(f"{at('')}: missing key {key}{why}")


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


def parse_duration(raw: Any) -> float:
    """``"30s"``, ``"2m"``, ``"1h30m"`` to seconds. Raises ValueError in words."""
    if not isinstance(raw, str):
        raise ValueError(f'expected a duration such as "30s", "2m" or "1h", got {raw!r}')
    match = _DURATION.match(raw.strip().lower())
    if not raw.strip() or match is None or not any(match.groups()):
        raise ValueError(f'not a duration: {raw!r} (use e.g. "30s", "2m", "1h30m")')
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    return h * 3600 + m * 60 + s


def names(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(v, str) and v for v in raw):
        raise ValueError('expected a list of names, e.g. ["Garage"]')
    return tuple(raw)
