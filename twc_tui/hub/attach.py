"""Whether the monitor and ``status`` read a hub instead of polling, and which one.

``--direct`` polls. ``--hub URL`` or ``[hub] url`` names a hub. Otherwise a hub running on
this machine (its ``hub.json``) is used when it already polls every charger asked for (or
none was asked for): polling them a second time is what the hub exists to prevent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.hub.locate import read_local_hub
from twc_tui.hub.token import load_token


@dataclass(frozen=True)
class HubChoice:
    url: str
    token: str | None
    only: tuple[str, ...]
    """Charger ids asked for on the command line; empty for all the hub's."""
    found: bool
    """Found on this machine by itself (not named): the user is told."""

    def notice(self) -> str:
        if not self.found:
            return ""
        return (f"Attached to the local hub at {self.url} (twc-tui serve polls the chargers); "
                "--direct polls them from here instead")


def hub_url(text: str) -> str:
    """``http://HOST:PORT`` from ``--hub``, which may leave out the scheme. Raises
    ``ValueError`` in one line."""
    spec = text.strip()
    if "://" not in spec:
        spec = f"http://{spec}"
    try:
        url = httpx.URL(spec)
    except (httpx.InvalidURL, ValueError):
        raise ValueError(f"not a hub URL: {text!r}") from None
    if url.scheme not in ("http", "https") or not url.host or url.query or url.fragment:
        raise ValueError(f"not a hub URL (use http://HOST:PORT): {text!r}")
    return str(url).rstrip("/")


def choose_hub(settings: Settings, chargers: Sequence[ChargerConfig], *, hub: str | None,
               direct: bool, hosts_given: bool, token_file: str | None = None
               ) -> HubChoice | None:
    """The hub to read, or None to poll. Raises ``ValueError`` in one line (a bad URL, an
    unreadable token file, a local hub that wants a token we do not have)."""
    if direct:
        return None
    only = tuple(c.id for c in chargers) if hosts_given else ()
    named = hub_url(hub) if hub else settings.hub_url
    if named:
        return HubChoice(named, load_token(token_file, settings.hub_token_file), only, False)
    local = read_local_hub()
    if local is None or not set(c.id for c in chargers) <= set(local.chargers):
        return None
    token = load_token(token_file, settings.hub_token_file)
    if local.token and token is None:
        raise ValueError(f"the hub on this machine ({local.url}) wants a token: give "
                         "--token-file or set TWC_HUB_TOKEN, or poll with --direct")
    return HubChoice(local.url.rstrip("/"), token, only, True)
