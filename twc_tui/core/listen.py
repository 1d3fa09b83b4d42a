"""Where a server listens: ``HOST:PORT`` checked, and whether that reaches beyond this machine.

In core because the config file validates ``[hub] listen`` with the same rule as ``serve
--listen``.
"""

from __future__ import annotations

import ipaddress

from twc_tui.core.targets import check_host, check_port

DEFAULT_HUB_PORT = 8743
"""The hub's port when none is given (unassigned by IANA, and easy to type)."""


def parse_listen(text: str, default_port: int = DEFAULT_HUB_PORT) -> tuple[str, int]:
    """``HOST:PORT``, ``HOST``, ``:PORT`` or ``[v6]:PORT``; raises ``ValueError`` in one line.
    Port 0 is allowed (the system picks a free one)."""
    spec = text.strip()
    if spec.startswith("["):
        host, _, rest = spec[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ("" if not rest else None)
        if port_text is None:
            raise ValueError(f"not HOST:PORT: {text!r}")
    elif spec.count(":") == 1:
        host, port_text = spec.split(":")
    elif spec.count(":") > 1:
        host, port_text = spec, ""
    else:
        host, port_text = spec, ""
    host = host or "127.0.0.1"
    port = default_port if port_text == "" else (
        0 if port_text == "0" else check_port(port_text))
    return check_host(host), port


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: only this machine can connect."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
