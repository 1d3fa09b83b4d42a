"""``[[alerts]]``: rule kinds, the default rules, and strict validation of overrides; plus the
one entry point that reads ``[[alerts]]``, ``[[notify]]`` and ``[[tariffs]]`` together.

This sits in core because :mod:`twc_tui.core.config` calls it; what the rules *do* lives in
the engine (``alert_rules``, ``alerts``, ``notify``, ``tariff``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from twc_tui.core.sink_config import Sink, parse_sink
from twc_tui.core.table_checks import (
    At,
    Checks,
    Where,
    checked,
    each,
    known,
    names,
    parse_duration,
    required,
)
from twc_tui.core.tariff_zones import TariffZone, parse_zone

SEVERITIES = ("info", "warning", "critical")

KINDS: dict[str, tuple[str, ...]] = {
    "charging_finished": (),
    "charging_stopped": (),
    "offline": (),
    "alert": ("codes",),
    "handle_temp": ("above_c",),
    "grid_voltage": ("nominal_v", "tolerance_pct"),
    "reboot": (),
    "firmware": (),
    "derate_predicted": ("within",),
}
"""Rule kinds (``when``) and the parameters each takes."""

CONDITION_KINDS = frozenset({"offline", "alert", "handle_temp", "grid_voltage"})
"""Kinds that hold for a while and send "resolved" when they clear; the others are events."""


@dataclass(frozen=True)
class AlertRule:
    name: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    """``above_c``, ``nominal_v``/``tolerance_pct``, ``codes`` (strings), ``within_s``."""
    for_s: float = 0.0
    """How long the condition must hold before it fires."""
    cooldown_s: float = 900.0
    """Nothing repeats within this of the last firing."""
    severity: str = "warning"
    chargers: tuple[str, ...] | None = None
    """Names, ids (``host:port``) or hosts; None = every charger."""
    notify: tuple[str, ...] | None = None
    """Sink names; None = every configured sink."""
    enabled: bool = True
    default: bool = False
    """A built-in rule (perhaps with keys overridden)."""


DEFAULT_RULES: tuple[AlertRule, ...] = (
    AlertRule("charging finished", "charging_finished", severity="info", default=True),
    AlertRule("charging stopped", "charging_stopped", default=True),
    AlertRule("charger offline", "offline", for_s=300.0, severity="critical", default=True),
    AlertRule("charger alert", "alert", default=True),
    AlertRule("handle hot", "handle_temp", {"above_c": 70.0}, default=True),
    AlertRule("handle very hot", "handle_temp", {"above_c": 85.0}, severity="critical",
              default=True),
    AlertRule("grid voltage", "grid_voltage", {"tolerance_pct": 10.0}, for_s=30.0,
              default=True),
    AlertRule("reboot", "reboot", default=True),
    AlertRule("firmware changed", "firmware", severity="info", default=True),
    AlertRule("derate predicted", "derate_predicted", {"within_s": 1800.0}, default=True),
)
"""Rules in force unless the config overrides them (the issue's list, in its order)."""


def rule_doc(rule: AlertRule) -> dict[str, Any]:
    """A rule as ``alerts list`` prints it and the hub's ``/api/alerts`` serves it."""
    params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in rule.params.items())
    return {"name": rule.name, "when": rule.kind + (f" ({params})" if params else ""),
            "for_s": rule.for_s, "cooldown_s": rule.cooldown_s, "severity": rule.severity,
            "enabled": rule.enabled, "default": rule.default,
            "chargers": None if rule.chargers is None else list(rule.chargers),
            "notify": None if rule.notify is None else list(rule.notify)}


@dataclass(frozen=True)
class Alerting:
    rules: tuple[AlertRule, ...] = DEFAULT_RULES
    sinks: tuple[Sink, ...] = ()
    tariffs: tuple[TariffZone, ...] = ()


def parse_alerting(data: Mapping[str, Any], where: Where, checks: Checks) -> Alerting:
    """Validate ``[[alerts]]``, ``[[notify]]`` and ``[[tariffs]]`` of a parsed TOML file.
    Raises ValueError naming the file, line, table index and key."""
    sinks = tuple(each(data, "notify", where, lambda e, at: parse_sink(e, at, checks)))
    sink_names = [s.name for s in sinks]
    for index, name in enumerate(sink_names):
        if name in sink_names[:index]:
            raise ValueError(f"{where('name', 'notify', index)}: a second sink named {name!r}")
    entries = list(each(data, "alerts", where, lambda e, at: (e, at)))
    rules = _rules(entries, set(sink_names), checks)
    tariffs = tuple(each(data, "tariffs", where, lambda e, at: parse_zone(e, at, checks)))
    currencies = {z.currency for z in tariffs if z.currency}
    if len(currencies) > 1:
        raise ValueError(f"{where('currency', 'tariffs', 0)}: zones in different currencies "
                         f"({', '.join(sorted(currencies))})")
    return Alerting(rules, sinks, tariffs)


RULE_KEYS = ("name", "when", "for", "cooldown", "severity", "chargers", "notify", "enabled")


def _rules(entries: list[tuple[Mapping[str, Any], At]], sinks: set[str],
           checks: Checks) -> tuple[AlertRule, ...]:
    rules = {r.name: r for r in DEFAULT_RULES}
    seen: set[str] = set()
    for entry, at in entries:
        known(entry, RULE_KEYS, at)
        required(entry, ("name",), at)
        name = checked(at, "name", checks.string(), entry["name"]).strip()
        if not name or name in seen:
            raise ValueError(f"{at('name')}: " + (f"a second rule named {name!r}" if name
                                                   else "empty name"))
        seen.add(name)
        base = rules.get(name)
        if base is None:
            defaults = ", ".join(r.name for r in DEFAULT_RULES)
            required(entry, ("when",), at, f" (a new rule needs one; the default rules are: "
                                           f"{defaults})")
            base = AlertRule(name, "reboot")
        changes: dict[str, Any] = {}
        if "when" in entry:
            changes["kind"], changes["params"] = _when(entry["when"], at, checks)
        for key, attr, check in (("for", "for_s", parse_duration),
                                 ("cooldown", "cooldown_s", parse_duration),
                                 ("severity", "severity", checks.string(SEVERITIES)),
                                 ("chargers", "chargers", names), ("notify", "notify", names),
                                 ("enabled", "enabled", checks.boolean)):
            if key in entry:
                changes[attr] = checked(at, key, check, entry[key])
        for sink in changes.get("notify") or ():
            if sink not in sinks:
                raise ValueError(f"{at('notify')}: no [[notify]] sink named {sink!r}"
                                 + (f" (known: {', '.join(sorted(sinks))})" if sinks else ""))
        rules[name] = replace(base, **changes)
    return tuple(rules.values())


def _when(raw: Any, at: At, checks: Checks) -> tuple[str, dict[str, Any]]:
    kinds = ", ".join(KINDS)
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, Mapping) or not isinstance(raw.get("kind"), str):
        raise ValueError(f'{at("when")}: expected a kind such as "reboot", or a table such as '
                         f'{{ kind = "handle_temp", above_c = 75 }} (kinds: {kinds})')
    kind = raw["kind"]
    if kind not in KINDS:
        raise ValueError(f"{at('when')}: unknown kind {kind!r} (kinds: {kinds})")
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "kind":
            continue
        if key not in KINDS[kind]:
            takes = ", ".join(KINDS[kind]) or "none"
            raise ValueError(f"{at('when')}: {kind} takes no parameter {key!r} (takes: {takes})")
        try:
            if key == "codes":
                if not isinstance(value, list) or not all(
                        isinstance(c, int | str) and not isinstance(c, bool) for c in value):
                    raise ValueError("a list of alert codes, e.g. [40]")
                params[key] = tuple(str(c) for c in value)
            elif key == "within":
                params["within_s"] = parse_duration(value)
            else:
                params[key] = checks.number(0, 1000)(value)
        except ValueError as error:
            raise ValueError(f"{at('when')}: {key}: {error}") from None
    if kind == "handle_temp" and "above_c" not in params:
        raise ValueError(f"{at('when')}: handle_temp needs above_c, e.g. above_c = 75")
    if kind == "grid_voltage":
        params.setdefault("tolerance_pct", 10.0)
    if kind == "derate_predicted":
        params.setdefault("within_s", 1800.0)
    return kind, params
