"""Reading a hub over HTTP with every size bounded: JSON documents and an SSE stream.

A hub is as untrusted as a charger. A JSON body larger than any hub sends, a line that never
ends or an event that never finishes would otherwise grow without limit in the monitor, so
each read is capped and a breach is a :class:`HubError` in words. The SSE framing itself is
parsed by ``httpx-sse`` (the stream's text is only counted on its way there).
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

import httpx
from httpx_sse import EventSource, ServerSentEvent, SSEError

MAX_BODY = 8 * 1024 * 1024
"""A JSON answer: a full roster with 200 log entries per charger is well under 1 MiB."""
MAX_LINE = 256 * 1024
"""One line of the event stream: a poll event with its raw payload is a few kB."""
MAX_EVENT = 1024 * 1024
"""One event, all of its data lines together."""


STREAM_IDLE_S = 45.0
"""Real seconds without a byte on the event stream (three missed heartbeats): the hub is gone."""


def hub_client(url: str, token: str | None = None, timeout: float = 5.0) -> httpx.AsyncClient:
    """The one client to a hub: no proxies from the environment, no redirects, no
    compression (see :func:`check_status`), and the token when there is one."""
    headers = {"Accept-Encoding": "identity", "User-Agent": "twc-tui"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # A plain-HTTP hub (no redirects followed, so it stays plain) needs no CA bundle:
    # loading one is most of the ~90 ms an httpx client costs to build, in `status --hub`.
    return httpx.AsyncClient(
        base_url=url, headers=headers, trust_env=False, follow_redirects=False,
        verify=not url.lower().startswith("http://"),
        timeout=httpx.Timeout(timeout, read=STREAM_IDLE_S))


class HubError(Exception):
    """The hub could not be read; ``str()`` is one line for a person."""


def reason(error: BaseException) -> str:
    """Why a request to the hub failed, in words (never a class name or a repr)."""
    if isinstance(error, HubError):
        return str(error)
    if isinstance(error, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(error, httpx.ConnectError):
        cause: BaseException | None = error
        while cause is not None:  # httpx's own text is "All connection attempts failed"
            if isinstance(cause, socket.gaierror):
                return "cannot resolve the hub's host name"
            if isinstance(cause, ConnectionRefusedError):
                return "connection refused"
            cause = cause.__cause__ or cause.__context__
        return "connection refused" if "refused" in str(error).lower() else "cannot connect"
    if isinstance(error, httpx.ReadTimeout):
        return "the hub stopped answering"
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return "the hub closed the connection"
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.HTTPError):
        return "the request failed"
    return "unexpected failure"


def check_status(response: httpx.Response, what: str) -> None:
    """Raise :class:`HubError` unless the answer is a 200 we can read with bounds."""
    if response.status_code == 401:
        raise HubError(f"{what}: the hub wants a token (--token-file or TWC_HUB_TOKEN)")
    if response.status_code == 403:
        raise HubError(f"{what}: the hub refused the token")
    if response.status_code != 200:
        raise HubError(f"{what}: the hub answered HTTP {response.status_code}")
    # Asked for identity: a compressed answer could expand a thousandfold inside one chunk,
    # before any of the size checks here saw it.
    if response.headers.get("content-encoding", "identity").lower() not in ("identity", ""):
        raise HubError(f"{what}: the hub sent a compressed answer")


async def get_json(http: httpx.AsyncClient, path: str, params: Mapping[str, str] | None = None,
                   limit: int = MAX_BODY) -> dict[str, Any]:
    """GET ``path`` and return its JSON object. Raises :class:`HubError` (and only that)."""
    try:
        async with http.stream("GET", path, params=params) as response:
            check_status(response, path)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise HubError(f"{path}: the hub's answer is over {limit // 1024} kB")
    except httpx.HTTPError as error:
        raise HubError(reason(error)) from None
    try:
        # NaN and Infinity are not JSON; read as null, they cannot reach a figure on screen
        # or a strict JSON output (status --json, alerts list --json) downstream.
        data = json.loads(body, parse_constant=lambda _: None)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise HubError(f"{path}: the hub's answer is not JSON") from None
    if not isinstance(data, dict):
        raise HubError(f"{path}: the hub's answer is not a JSON object")
    return data


class _Counted:
    """The response as ``EventSource`` reads it, with its text counted on the way: too long
    a line, or too much text since the last event, ends the stream."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.headers = response.headers
        self.line = 0
        self.since_event = 0

    async def aiter_text(self) -> AsyncIterator[str]:
        async for text in self.response.aiter_text():
            self.since_event += len(text)
            if self.since_event > MAX_EVENT:
                raise HubError(f"an event from the hub is over {MAX_EVENT // 1024} kB")
            cut = max(text.rfind("\n"), text.rfind("\r"))
            self.line = self.line + len(text) if cut < 0 else len(text) - cut - 1
            if self.line > MAX_LINE:
                raise HubError(f"a line from the hub is over {MAX_LINE // 1024} kB")
            yield text


async def events(response: httpx.Response) -> AsyncIterator[ServerSentEvent]:
    """The events of an open ``/api/events`` response. Raises :class:`HubError` when the
    stream breaks a bound or is not an event stream."""
    check_status(response, "/api/events")
    counted = _Counted(response)
    source = EventSource(cast(httpx.Response, counted))
    try:
        async for event in source.aiter_sse():
            counted.since_event = counted.line
            yield event
    except SSEError:
        raise HubError("/api/events: the hub did not send an event stream") from None
