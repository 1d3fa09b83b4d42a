"""The transport under the one httpx client: a byte budget per request, a pool per charger.

Apart from the client's requests and error sentences because this is plumbing into httpcore
(a network backend that counts bytes, a pool per host) that httpx has no option for.
"""

from __future__ import annotations

from typing import Any

import httpcore
import httpx

from twc_tui.core.net_backend import AsyncioBackend

MAX_BODY_BYTES = 256 * 1024
"""A real answer is under 2 KB; anything past 256 KiB is not a Wall Connector talking."""

MAX_WIRE_BYTES = MAX_BODY_BYTES + 32 * 1024
"""Everything one request may read off the socket: status lines, headers, any number of
``100 Continue`` interim answers (httpcore skips them silently, so only a byte budget stops an
endless stream of them), chunk framing and the body."""


class WireCapExceeded(Exception):
    """Raised inside httpcore when one request has read more than :data:`MAX_WIRE_BYTES`."""


class _CappedStream(httpcore.AsyncNetworkStream):
    """A socket that refuses to read more than the budget of one request.

    Each request starts with a write on the connection, so a write resets the count."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._read = 0

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = await self._inner.read(max_bytes, timeout)
        self._read += len(data)
        if self._read > MAX_WIRE_BYTES:
            raise WireCapExceeded(self._read)
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._read = 0
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _CappedStream(await self._inner.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _CappedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _CappedStream(await self._inner.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _CappedStream(await self._inner.connect_unix_socket(*args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PoolPerCharger(httpx.AsyncBaseTransport):
    """A small connection pool per charger behind the one client.

    httpcore's pool walks every connection it holds on each request, twice (and counts its
    connections, not its idle ones, against ``max_keepalive_connections``, so past that many
    chargers it closes live keep-alive sockets): quadratic in chargers, and most of a
    50-charger hub's CPU (bench/RESULTS.md). Per charger, that walk is over one socket."""

    def __init__(self) -> None:
        self._ssl = httpx.create_ssl_context()  # once: building one costs milliseconds
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}
        self._closed = False

    def _pool(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        key = (url.raw_scheme, url.raw_host, url.port)
        transport = self._pools.get(key)
        if transport is None:
            limits = httpx.Limits(max_connections=8, max_keepalive_connections=2,
                                  keepalive_expiry=10.0)
            transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False,
                                                 verify=self._ssl)
            # httpx has no option for a byte budget per request, nor for httpcore's network
            # backend; its pool takes one. asyncio's streams, not anyio's (net_backend.py).
            pool = transport._pool
            pool._network_backend = _CappedBackend(AsyncioBackend())  # type: ignore[attr-defined]
            self._pools[key] = transport
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            # A poll calls this directly, not through the client that would refuse: a pool
            # made now would never be closed.
            raise httpx.ConnectError("the HTTP client is closed", request=request)
        return await self._pool(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        self._closed = True
        pools, self._pools = list(self._pools.values()), {}
        for transport in pools:
            await transport.aclose()
