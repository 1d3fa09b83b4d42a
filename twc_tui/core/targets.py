"""Which chargers to watch: ``HOST[:PORT][=NAME]`` targets, checked, merged with the config."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from twc_tui.core.client import format_host


@dataclass(frozen=True)
class ChargerConfig:
    """One charger to monitor."""

    host: str
    """IP address or host name."""
    port: int = 80
    name: str | None = None
    """What to call it on screen; defaults to ``host:port``."""
    phase_mode: str = "auto"
    """How to compute power: ``auto`` (detect), ``split`` (NA 240 V) or ``three``."""
    max_current_a: float | None = None
    """The breaker or configured maximum, which sets the top of the current chart."""
    proxy_port: int | None = None
    """Where ``serve`` answers as this charger (its four endpoints at the root)."""

    @property
    def id(self) -> str:
        """A stable key, ``host:port``."""
        return format_host(self.host, self.port)

    @property
    def label(self) -> str:
        return self.name or self.id


_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?$"
)


def check_host(host: str) -> str:
    """Return ``host`` if it is an IP address or a plausible host name, else raise."""
    host = host.strip()
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    if not _HOSTNAME.match(bare) or bare.replace(".", "").isdigit():
        raise ValueError(f"not a host name or IP address: {host!r}")
    return bare


def check_port(value: Any) -> int:
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()):  # "²".isdigit() is True
            raise ValueError(f"not a port number: {value!r}")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"port must be between 1 and 65535, not {value!r}")
    return value


def parse_target(text: str) -> ChargerConfig:
    """``HOST``, ``HOST:PORT``, ``[v6]:PORT``, each optionally followed by ``=NAME``."""
    spec, _, name = text.partition("=")
    spec = spec.strip()
    if spec.startswith("https://"):
        raise ValueError(f"Wall Connectors serve plain HTTP only: {text!r}")
    if spec.startswith("http://"):
        spec = spec[len("http://"):].rstrip("/")
    port: Any = 80
    if spec.startswith("["):
        if "]" not in spec:
            raise ValueError(f"unclosed [ in {text!r}")
        host, _, rest = spec[1:].partition("]")
        if rest.startswith(":"):
            port = rest[1:]
        elif rest:
            raise ValueError(f"not a host: {text!r}")
    elif spec.count(":") == 1:
        host, port = spec.split(":")
    else:
        host = spec
    if not host:
        raise ValueError(f"no host in {text!r}")
    return ChargerConfig(host=check_host(host), port=check_port(port),
                         name=name.strip() or None)


class HasChargers(Protocol):
    """What ``resolve_chargers`` needs of the settings (typed here so targets never imports
    config, which imports targets)."""

    @property
    def chargers(self) -> tuple[ChargerConfig, ...]: ...


def resolve_chargers(
    settings: HasChargers, hosts: Sequence[str], phase_mode: str | None = None
) -> list[ChargerConfig]:
    """The command line's ``HOST[:PORT][=NAME]`` list, or the config's chargers if empty.

    A host that the config also lists keeps the config's name, phase mode and maximum, so
    ``twc-tui status 192.168.1.50`` still knows it is "Garage" and split-phase. Raises
    ``ValueError`` with a one-line message for a bad host or port.
    """
    known: dict[str, ChargerConfig] = {}
    for charger in settings.chargers:
        known.setdefault(charger.id, charger)  # the first entry wins, as below
    chargers: list[ChargerConfig] = []
    for text in hosts:
        target = parse_target(text)
        base = known.get(target.id)
        if base is not None:
            target = replace(base, name=target.name or base.name)
        chargers.append(target)
    if not hosts:
        chargers = list(settings.chargers)
    if phase_mode:
        chargers = [replace(c, phase_mode=phase_mode) for c in chargers]
    # One charger named twice (as an IP and as a URL, or twice in the config) must still get
    # one poller: two would put two requests in flight on the same device.
    unique: dict[str, ChargerConfig] = {}
    for charger in chargers:
        unique.setdefault(charger.id, charger)
    return list(unique.values())
