"""Tolerant parsing shared by the payload dataclasses in :mod:`twc_tui.core.models`.

Each helper turns what a charger sent into a typed value or None, and says in ``notes`` what
it had to ignore; none of them raises on bad input.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Self

TEMP_SENTINEL_C = 255.0

MAX_READING = 1e12
"""No field of a Wall Connector comes near this (lifetime energy is about 1e7 Wh). Beyond it a
number is not a reading, and keeping it would overflow what is derived from it: power as a
product, kWh per plug-in, the store's scaled integers."""
MAX_INT = 10**12

MAX_CODE_DIGITS = 9
"""An alert or reason code longer than this is kept as text: int() of thousands of digits
raises, and no real code is that long."""
MAX_CODE_CHARS = 64
MAX_LIST_ITEMS = 64

MAX_EXTRA_DEPTH = 4
"""Unknown fields are kept as sent, but only this deep: what the UI, the JSON output and the
log do with them must never recurse into 500 levels of nesting."""
MAX_EXTRA_ITEMS = 50
MAX_EXTRA_CHARS = 1000
TOO_DEEP = "…"

EMPTY: Mapping[str, Any] = MappingProxyType({})


def _out_of_range(value: Any, limit: float) -> bool:
    """A finite number beyond ``limit``. Compared without converting: float() of a 400-digit
    integer raises."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return value > limit or value < -limit


def _usable(value: int | float) -> bool:
    """Finite and within :data:`MAX_READING`."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return not _out_of_range(value, MAX_READING)


def _check(key: str, value: Any, kind: str, notes: list[str]) -> Any:
    """Coerce ``value`` to ``kind`` or return None with a note. Never raises."""
    if value is None:
        return None
    ok: Any = None
    if kind in ("int", "float") and _out_of_range(value, MAX_INT if kind == "int" else MAX_READING):
        notes.append(f"{key}: {kind} out of range, ignored")
        return None
    if kind == "bool":
        ok = value if isinstance(value, bool) else None
    elif kind == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                ok = float(value)
            except OverflowError:  # a JSON integer of 309+ digits: not a reading
                ok = None
            else:
                if not math.isfinite(ok):
                    return None  # nan/inf is a known firmware quirk, not a type error
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            ok = value
        elif isinstance(value, float) and value.is_integer():
            ok = int(value)
        elif isinstance(value, float) and not math.isfinite(value):
            return None
    elif kind == "str":
        ok = value if isinstance(value, str) else None
    if ok is None:
        notes.append(f"{key}: expected {kind}, got {type(value).__name__}")
    return ok


def alert_code(value: Any) -> int | str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and not (
        _usable(value) and not _out_of_range(value, 10**MAX_CODE_DIGITS)
    ):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        stripped = value.strip()
        # isascii: "²".isdigit() is True but int("²") raises.
        if stripped.isascii() and stripped.isdigit() and len(stripped) <= MAX_CODE_DIGITS:
            return int(stripped)
        return value[:MAX_CODE_CHARS]
    return None


def bounded(value: Any, depth: int = 0) -> Any:
    """A copy of an unknown field's value that is safe to keep, show and serialise: nesting
    past :data:`MAX_EXTRA_DEPTH` becomes ``"…"``, containers and strings are cut, and numbers
    out of range (or not finite) become None."""
    if isinstance(value, str):
        return value[:MAX_EXTRA_CHARS]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value if _usable(value) else None
    if depth >= MAX_EXTRA_DEPTH:
        return TOO_DEEP
    if isinstance(value, dict):
        items = list(value.items())[:MAX_EXTRA_ITEMS]
        return {str(k)[:MAX_EXTRA_CHARS]: bounded(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple):
        return [bounded(v, depth + 1) for v in value[:MAX_EXTRA_ITEMS]]
    return None


class PayloadBase:
    """Shared parsing for the four payload types."""

    __slots__ = ()
    FIELDS: ClassVar[dict[str, str]]
    TEMPERATURES: ClassVar[frozenset[str]] = frozenset()

    extra: Mapping[str, Any]
    notes: tuple[str, ...]

    @classmethod
    def _parse_fields(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        notes: list[str] = []
        values: dict[str, Any] = {}
        sentinels: list[str] = []
        for key, kind in cls.FIELDS.items():
            value = _check(key, raw.get(key), kind, notes)
            if key in cls.TEMPERATURES and value is not None and value >= TEMP_SENTINEL_C:
                sentinels.append(key)
                value = None
            values[key] = value
        extra = {str(k)[:MAX_EXTRA_CHARS]: bounded(v) for k, v in raw.items()
                 if k not in cls.FIELDS and k not in cls._LISTS}
        values["extra"] = MappingProxyType(extra) if extra else EMPTY
        values["notes"] = tuple(notes)
        if cls.TEMPERATURES:
            values["sentinels"] = tuple(sentinels)
        return values

    _LISTS: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_json(cls, raw: Any) -> Self:
        """Parse a decoded JSON object; anything that is not a mapping gives an empty payload."""
        if not isinstance(raw, Mapping):
            return cls(notes=(f"expected a JSON object, got {type(raw).__name__}",))  # type: ignore[call-arg]
        return cls(**cls._parse_fields(raw))  # type: ignore[call-arg]

    def device_dict(self) -> dict[str, Any]:
        """Known fields with decoded values, keyed by the device's names (for JSON output)."""
        out: dict[str, Any] = {}
        for key in self.FIELDS:
            out[key] = getattr(self, key)
        for key in self._LISTS:
            value = getattr(self, key)
            out[key] = list(value) if value is not None else None
        return out


def list_of(key: str, raw: Mapping[str, Any], notes: list[str], convert: Any) -> tuple | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        notes.append(f"{key}: expected list, got {type(value).__name__}")
        return None
    items = []
    if len(value) > MAX_LIST_ITEMS:
        notes.append(f"{key}: kept the first {MAX_LIST_ITEMS} of {len(value)} items")
        value = value[:MAX_LIST_ITEMS]
    for item in value:
        converted = convert(item)
        if converted is None:
            notes.append(f"{key}: ignored an item of type {type(item).__name__}")
        else:
            items.append(converted)
    return tuple(items)


def decode_ssid(raw: str | None) -> str | None:
    """Strict base64 decode of ``wifi_ssid``; None when it is not valid base64 of printable
    UTF-8, in which case the raw value is what to show."""
    if not raw:
        return None
    try:
        decoded = base64.b64decode(raw, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not decoded or not decoded.isprintable():
        return None
    return decoded


def json_kind(value: object) -> str:
    """The JSON type of a decoded value, as a word for messages ("array", "null", ...)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {list: "array", str: "string"}.get(type(value), "null")
