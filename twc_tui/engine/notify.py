"""Delivering notifications: ntfy, a webhook, a local command, each behind its own queue.

Nothing here may slow polling: ``submit`` only appends to a bounded queue (dropping the oldest
when a sink has fallen far behind), and one worker per sink delivers with a time limit per
attempt and a few retries with growing pauses. A sink that hangs holds up only its own queue.
After the last retry the notification is given up with one line for the charger's event log.

Formats: ntfy as its docs describe publishing (docs.ntfy.sh/publish: POST the text to the topic
URL with ``Title``, ``Priority`` and ``Tags`` headers, ``Authorization: Bearer`` for a token,
RFC 2047 for a non-ASCII title); a webhook gets the JSON of :meth:`Notification.document`; a
command is run without a shell with that JSON on stdin and each field as ``TWC_<FIELD>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable
from email.header import Header

import httpx

from twc_tui.core.sink_config import Sink
from twc_tui.engine.alert_rules import Notification

log = logging.getLogger("twc_tui.engine.notify")

QUEUE_SIZE = 100
BACKOFF_S = 2.0
"""Pause before the first retry; doubled before each next one."""

NTFY_PRIORITY = {"info": "3", "warning": "4", "critical": "5"}
NTFY_TAGS = {"info": "information_source", "warning": "warning", "critical": "rotating_light"}

GiveUp = Callable[[Notification, Sink, str], None]


class DeliveryError(Exception):
    """One attempt failed; ``str()`` says why in words."""


def _header(text: str) -> str:
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        return Header(text, "utf-8").encode()


def ntfy_request(sink: Sink, n: Notification) -> tuple[dict[str, str], bytes]:
    """The headers and body of an ntfy publish."""
    tags = "white_check_mark" if n.resolved else NTFY_TAGS.get(n.severity, "warning")
    headers = {"Title": _header(n.title),
               "Priority": "3" if n.resolved else NTFY_PRIORITY.get(n.severity, "3"),
               "Tags": f"{tags},electric_plug", "Content-Type": "text/plain; charset=utf-8"}
    if sink.token:
        headers["Authorization"] = f"Bearer {sink.token}"
    return headers, n.text.encode("utf-8")


def command_env(n: Notification) -> dict[str, str]:
    """``TWC_RULE``, ``TWC_SEVERITY``, ... ``TWC_VALUES`` (JSON), on top of our own env."""
    env = dict(os.environ)
    for key, value in n.document().items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, dict):
            value = json.dumps(value, ensure_ascii=True)
        env[f"TWC_{key.upper()}"] = str(value)
    return env


async def _http(client: httpx.AsyncClient, sink: Sink, n: Notification) -> str:
    assert sink.url is not None
    if sink.type == "ntfy":
        headers, body = ntfy_request(sink, n)
        response = await client.post(sink.url, headers=headers, content=body)
    else:
        response = await client.post(sink.url, headers=dict(sink.headers),
                                     json=n.document())
    if response.status_code >= 300:
        raise DeliveryError(f"HTTP {response.status_code} from {sink.url}")
    return f"HTTP {response.status_code}"


async def _command(sink: Sink, n: Notification) -> str:
    try:
        process = await asyncio.create_subprocess_exec(
            *sink.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE, env=command_env(n), start_new_session=True)
    except OSError as error:
        raise DeliveryError(f"cannot run {sink.command[0]}: {error.strerror or error}") from None
    try:
        data = json.dumps(n.document(), ensure_ascii=True).encode() + b"\n"
        _, err = await process.communicate(data)
    except BaseException:
        # Timed out (or shutting down): the program must not outlive its time limit.
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(Exception):
            await asyncio.shield(process.wait())
        raise
    if process.returncode:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise DeliveryError(f"{sink.command[0]} exited with {process.returncode}"
                            + (f": {tail[0][:200]}" if tail[0] else ""))
    return "exit 0"


async def attempt(client: httpx.AsyncClient, sink: Sink, n: Notification) -> str:
    """Deliver once, within the sink's time limit. Returns what happened; raises
    :class:`DeliveryError`."""
    try:
        async with asyncio.timeout(sink.timeout_s):
            if sink.type == "command":
                return await _command(sink, n)
            return await _http(client, sink, n)
    except TimeoutError:
        raise DeliveryError(f"no answer within {sink.timeout_s:g} s") from None
    except httpx.HTTPError as error:
        raise DeliveryError(f"{type(error).__name__.replace('Error', ' error').lower()}: "
                            f"{error}".strip(": ")) from None


async def deliver(client: httpx.AsyncClient, sink: Sink, n: Notification,
                  backoff_s: float = BACKOFF_S) -> tuple[bool, str]:
    """Deliver with retries: (delivered, what happened in words)."""
    pause = backoff_s
    reason = ""
    for number in range(sink.retries + 1):
        try:
            return True, await attempt(client, sink, n)
        except DeliveryError as error:
            reason = str(error)
            log.info("sink %s: attempt %d failed: %s", sink.name, number + 1, reason)
        if number < sink.retries:
            await asyncio.sleep(pause)
            pause *= 2
    tries = sink.retries + 1
    return False, f"{reason} ({tries} attempt{'s' if tries > 1 else ''})"


class Dispatcher:
    """One bounded queue and one worker per sink."""

    def __init__(self, sinks: Iterable[Sink], give_up: GiveUp | None = None, *,
                 backoff_s: float = BACKOFF_S, queue_size: int = QUEUE_SIZE,
                 client: httpx.AsyncClient | None = None) -> None:
        self.sinks = {s.name: s for s in sinks}
        self.give_up = give_up
        self.backoff_s = backoff_s
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        self._queues: dict[str, deque[Notification]] = {
            name: deque(maxlen=queue_size) for name in self.sinks}
        self._wake = {name: asyncio.Event() for name in self.sinks}
        self._client = client
        self._own_client = client is None
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        if self._client is None:
            # Its own client: the chargers' pool and limits stay theirs alone.
            self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
        for name in self.sinks:
            self._tasks.append(asyncio.create_task(self._work(name), name=f"notify {name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def submit(self, n: Notification) -> None:
        """Queue ``n`` for its sinks (all of them unless the rule names some). Never blocks."""
        for name in self.sinks if n.sinks is None else n.sinks:
            queue = self._queues.get(name)
            if queue is None:
                continue
            if len(queue) == queue.maxlen:
                self.dropped += 1
                log.warning("sink %s is behind; dropped its oldest notification", name)
            queue.append(n)
            self._wake[name].set()

    async def _work(self, name: str) -> None:
        sink, queue, wake = self.sinks[name], self._queues[name], self._wake[name]
        while True:
            while not queue:
                wake.clear()
                await wake.wait()
            n = queue.popleft()
            assert self._client is not None
            try:
                ok, what = await deliver(self._client, sink, n, self.backoff_s)
            except Exception as error:  # a bug here must not end this sink's deliveries
                log.exception("sink %s failed", name)
                ok, what = False, f"internal error: {error}"
            if ok:
                self.delivered += 1
                continue
            self.failed += 1
            log.warning("sink %s: gave up on %r: %s", name, n.rule, what)
            if self.give_up is not None:
                self.give_up(n, sink, what)
