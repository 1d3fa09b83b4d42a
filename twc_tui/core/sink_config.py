"""``[[notify]]``: where alerts go (ntfy, a webhook, a local command), validated strictly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twc_tui.core.table_checks import At, Checks, checked, known, parse_duration, required

SINK_TYPES = ("ntfy", "webhook", "command")


@dataclass(frozen=True)
class Sink:
    name: str
    type: str
    url: str | None = None
    token: str | None = None
    """ntfy access token, sent as ``Authorization: Bearer``."""
    headers: Mapping[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ()
    """argv, run without a shell."""
    timeout_s: float = 10.0
    """Per delivery attempt (the command's time limit)."""
    retries: int = 3
    """Attempts after a first one fails."""


SINK_KEYS: dict[str, tuple[str, ...]] = {
    "ntfy": ("name", "type", "url", "token", "timeout", "retries"),
    "webhook": ("name", "type", "url", "headers", "timeout", "retries"),
    "command": ("name", "type", "command", "timeout", "retries"),
}


def _url(raw: Any) -> str:
    if not isinstance(raw, str) or not re.match(r"^https?://[^\s/]+", raw) or re.search(
            r"\s", raw):
        raise ValueError(f"expected an http:// or https:// URL, got {raw!r}")
    return raw


def _headers(raw: Any) -> dict[str, str]:
    if not isinstance(raw, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError('expected a table of strings, e.g. { Authorization = "Bearer x" }')
    for key, text in raw.items():
        if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", key) or re.search(r"[\r\n\0]", text):
            raise ValueError(f"not a valid HTTP header: {key!r}")
    return dict(raw)


def _argv(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw) \
            or not raw[0]:
        raise ValueError('expected the program and its arguments as a list, e.g. '
                         '["/usr/local/bin/notify", "--quiet"] (no shell is used)')
    return tuple(raw)


def _retries(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 10:
        raise ValueError(f"expected a whole number from 0 to 10, got {raw!r}")
    return raw


def _timeout(raw: Any) -> float:
    seconds = parse_duration(raw)
    if not 0 < seconds <= 600:
        raise ValueError("must be more than 0s and at most 10m")
    return seconds


def parse_sink(entry: Mapping[str, Any], at: At, checks: Checks) -> Sink:
    required(entry, ("name", "type"), at)
    kind = checked(at, "type", checks.string(SINK_TYPES), entry["type"])
    known(entry, SINK_KEYS[kind], at)
    needed = "command" if kind == "command" else "url"
    required(entry, (needed,), at, f" (a {kind} sink needs one)")
    name = checked(at, "name", checks.string(), entry["name"]).strip()
    if not name:
        raise ValueError(f"{at('name')}: empty name")
    values: dict[str, Any] = {}
    for key, attr, check in (("url", "url", _url), ("token", "token", checks.string()),
                             ("headers", "headers", _headers), ("command", "command", _argv),
                             ("timeout", "timeout_s", _timeout), ("retries", "retries", _retries)):
        if key in entry:
            values[attr] = checked(at, key, check, entry[key])
    return Sink(name, kind, **values)
