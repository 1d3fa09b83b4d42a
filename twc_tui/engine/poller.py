"""One long-lived polling loop per charger.

Why a loop and not a timer: a timer plus an exclusive worker cancels a slow charger's request
on every tick, so a charger that answers in 6 s would never be heard. Here each charger has a
single coroutine that sends one request at a time, picks the most overdue endpoint, and never
asks for any endpoint within a second of its last answer, however often the user presses refresh.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from twc_tui.core.cadence import MIN_INTERVAL_S, PollSettings
from twc_tui.core.client import ENDPOINTS, ChargerClient, ChargerError, DecodeError
from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.models import Lifetime, Version, Vitals, WifiStatus, parse
from twc_tui.core.parsing import json_kind

Payload = Vitals | Lifetime | WifiStatus | Version
log = logging.getLogger("twc_tui.engine.poller")


@dataclass(frozen=True)
class PollSuccess:
    """An endpoint answered."""

    charger: str
    endpoint: str
    payload: Payload
    at: float
    """Wall-clock time of the answer."""
    latency_s: float
    raw: Mapping[str, Any] | None = None
    """The repaired JSON object as the device sent it (``nan`` already null): what the hub
    serves back, keys unchanged."""


@dataclass(frozen=True)
class PollFailure:
    """An endpoint failed; ``failures`` counts consecutive vitals failures."""

    charger: str
    endpoint: str
    error: ChargerError
    at: float
    failures: int
    offline: bool
    """True once ``failures`` reached the offline threshold."""
    retry_in_s: float


PollEvent = PollSuccess | PollFailure


class ChargerPoller:
    """Polls one charger until cancelled, reporting every outcome to ``emit``."""

    def __init__(
        self,
        charger: str,
        client: ChargerClient,
        emit: Callable[[PollEvent], None],
        settings: PollSettings | None = None,
        clock: Clock = REAL_CLOCK,
    ) -> None:
        self.charger = charger
        self.client = client
        self.emit = emit
        self.settings = settings or PollSettings()
        self.clock = clock
        self.failures = 0
        """Consecutive vitals failures."""
        self._due = dict.fromkeys(ENDPOINTS, -math.inf)
        self._last_done = dict.fromkeys(ENDPOINTS, -math.inf)
        """When each endpoint last answered or failed: the 1 s floor counts from there."""
        self._endpoint_failures = dict.fromkeys(ENDPOINTS, 0)
        self._wake = asyncio.Event()
        self._plugged = False
        self._uptime: int | None = None
        self._no_early_probe_until = -math.inf

    def refresh(self) -> None:
        """Ask for everything as soon as the per-endpoint floor allows. While the charger
        fails, this brings at most one probe forward per backoff step: holding down `r`
        must not turn the backoff into one probe a second."""
        now = self.clock.monotonic()
        if self.failures:
            if now < self._no_early_probe_until:
                return
            self._no_early_probe_until = self._due["vitals"]
        for endpoint in ENDPOINTS:
            self._due[endpoint] = min(self._due[endpoint], now)
        self._wake.set()

    def _next(self) -> tuple[str, float]:
        """The endpoint to ask next and when; vitals first on ties."""
        def when(endpoint: str) -> float:
            return max(self._due[endpoint], self._last_done[endpoint] + MIN_INTERVAL_S)

        if self.failures:
            # A failing charger is only probed through vitals: no point queueing the rest.
            return "vitals", when("vitals")
        return min(((ep, when(ep)) for ep in ENDPOINTS), key=lambda item: item[1])

    async def run(self) -> None:
        """Poll forever. Only cancellation ends it; every error becomes an event."""
        while True:
            endpoint, at = self._next()
            wait = at - self.clock.monotonic()
            if wait > 0:
                self._wake.clear()
                await self.clock.wait(self._wake, wait)
                continue
            await self.poll_once(endpoint)

    async def poll_once(self, endpoint: str) -> None:
        """Send one request and schedule the next one."""
        started = self.clock.monotonic()
        try:
            raw = await self.client.fetch(endpoint)
            if not isinstance(raw, dict):
                # Valid JSON but not an answer: parsing it would give an empty record that
                # overwrites the last good data, and count as the charger being fine.
                raise DecodeError(f"/api/1/{endpoint} sent a JSON {json_kind(raw)}, not a "
                                  "JSON object", endpoint=endpoint)
            payload = parse(endpoint, raw)
            document = raw
        except ChargerError as error:
            self._failed(endpoint, error)
            return
        except Exception as error:  # a bug must not stop polling
            message = f"internal error reading /api/1/{endpoint} (a twc-tui bug): {error}"
            if not self._endpoint_failures[endpoint]:  # once per run of failures, not per poll
                log.exception("%s: %s", self.charger, message)
            self._failed(endpoint, ChargerError(message, endpoint=endpoint))
            return
        finally:
            # The floor counts from the answer, not the send: a request that reached the
            # charger late must not be followed by the next one a moment later, as the
            # charger sees it.
            self._last_done[endpoint] = self.clock.monotonic()
        self._succeeded(endpoint, payload, self.clock.monotonic() - started, document)

    def _succeeded(self, endpoint: str, payload: Payload, latency: float,
                   raw: Mapping[str, Any] | None = None) -> None:
        now = self.clock.monotonic()
        s = self.settings
        recovered = endpoint == "vitals" and self.failures >= s.offline_after
        if recovered:
            log.info("%s: answering again after %d failed polls", self.charger, self.failures)
        if endpoint == "vitals":
            self.failures = 0
        self._endpoint_failures[endpoint] = 0
        if isinstance(payload, Vitals):
            was_plugged, self._plugged = self._plugged, payload.plugged
            if was_plugged and not self._plugged:
                self._due["lifetime"] = now  # lifetime energy moves only when a session ends
            if self._uptime is not None and payload.uptime_s is not None:
                if payload.uptime_s < self._uptime:
                    self._due["version"] = now  # a reboot may mean new firmware
            self._uptime = payload.uptime_s
            interval = s.vitals_active_s if self._plugged else s.vitals_idle_s
        else:
            interval = {"wifi_status": s.wifi_s, "lifetime": s.lifetime_s}.get(
                endpoint, s.version_s
            )
        self._due[endpoint] = now + interval
        if recovered:
            for other in ENDPOINTS:
                if other != "vitals":
                    self._due[other] = now
        self.emit(PollSuccess(self.charger, endpoint, payload, self.clock.time(), latency, raw))

    def _failed(self, endpoint: str, error: ChargerError) -> None:
        s = self.settings
        now = self.clock.monotonic()
        self._endpoint_failures[endpoint] += 1
        if endpoint == "vitals":
            self.failures += 1
            if self.failures == s.offline_after:
                log.warning("%s: offline after %d failed polls: %s", self.charger,
                            self.failures, error)
            # Start from the fast cadence whatever the plug state: a blip should heal quickly,
            # and ×1.6 reaches the cap within ten tries anyway.
            base = s.vitals_active_s
            count = self.failures
        else:
            base = {"wifi_status": s.wifi_s, "lifetime": s.lifetime_s}.get(endpoint, s.version_s)
            count = self._endpoint_failures[endpoint]
        # Never faster than the normal cadence, never slower than the cap (or the cadence,
        # for hourly endpoints).
        cap = s.backoff_max_s if endpoint == "vitals" else max(s.backoff_max_s, base)
        delay = max(MIN_INTERVAL_S, min(base * s.backoff_factor ** (count - 1), cap))
        self._due[endpoint] = now + delay
        self.emit(
            PollFailure(
                self.charger,
                endpoint,
                error,
                self.clock.time(),
                self.failures,
                self.failures >= s.offline_after,
                delay,
            )
        )
