"""Real Wall Connector captures (field notes §3) and a few synthetic payloads, as test data.

Each fixture is the exact body a unit sent, so tests read the text and decode it the way the
client does (``tolerant_json``), invalid tokens and missing braces included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twc_tui.core.json_repair import tolerant_json
from twc_tui.core.models import Lifetime, Version, Vitals, WifiStatus, parse

FIXTURES = Path(__file__).parent / "fixtures"

ENDPOINT_PREFIXES: dict[str, str] = {
    "vitals_": "vitals",
    "lifetime_": "lifetime",
    "wifi_": "wifi_status",
    "version_": "version",
    "synthetic_vitals_": "vitals",
    "synthetic_lifetime_": "lifetime",
    "synthetic_wifi_": "wifi_status",
    "synthetic_version_": "version",
}
"""File-name prefix to the endpoint whose payload the file holds (longest prefix wins)."""

REPAIRED: frozenset[str] = frozenset(
    {
        "lifetime_old_nan.json",
        "lifetime_old_nan_truncated.json",
        "vitals_na_charging_40a_truncated.json",
        "synthetic_lifetime_multi_nan.json",
    }
)
"""Fixtures that strict ``json.loads`` rejects and ``tolerant_json`` must repair."""

DERIVED: frozenset[str] = frozenset(
    {"lifetime_old_nan_truncated.json", "vitals_na_charging_40a_truncated.json"}
)
"""Real captures cut short on purpose (the final ``}`` removed), as firmware does mid-charge."""


def all_fixtures() -> list[str]:
    """Every fixture file name, sorted."""
    return sorted(p.name for p in FIXTURES.glob("*.json"))


def real_captures() -> list[str]:
    """Fixtures copied verbatim from the field notes (not synthetic, not cut short)."""
    return [n for n in all_fixtures() if not n.startswith("synthetic_") and n not in DERIVED]


def endpoint_of(name: str) -> str:
    """The endpoint a fixture file belongs to, from its name."""
    matches = [p for p in ENDPOINT_PREFIXES if name.startswith(p)]
    if not matches:
        raise ValueError(f"fixture {name!r} does not start with an endpoint prefix")
    return ENDPOINT_PREFIXES[max(matches, key=len)]


def raw_text(name: str) -> str:
    """The fixture's body exactly as stored."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def decoded(name: str) -> Any:
    """The fixture decoded the way the client decodes a body."""
    return tolerant_json(raw_text(name))


def load(name: str) -> Vitals | Lifetime | WifiStatus | Version:
    """The fixture decoded and parsed into its model."""
    return parse(endpoint_of(name), decoded(name))


def vitals(name: str) -> Vitals:
    payload = load(name)
    assert isinstance(payload, Vitals), name
    return payload


def lifetime(name: str) -> Lifetime:
    payload = load(name)
    assert isinstance(payload, Lifetime), name
    return payload


def wifi(name: str) -> WifiStatus:
    payload = load(name)
    assert isinstance(payload, WifiStatus), name
    return payload


def version(name: str) -> Version:
    payload = load(name)
    assert isinstance(payload, Version), name
    return payload
