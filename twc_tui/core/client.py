"""The HTTP client for one Wall Connector: the four endpoints, gently.

One ``httpx.AsyncClient`` serves the whole process (building one costs about 30 ms, and a
shared pool keeps sockets to a minimum). It never retries: a retrying client multiplied sockets
against dead chargers and exhausted file descriptors in Home Assistant (field notes §2.1), so
backoff is the poller's job. Every failure becomes a :class:`ChargerError` with a sentence a
person can read; nothing else escapes :meth:`ChargerClient.fetch`.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from twc_tui.core.text import safe_text

ENDPOINTS: tuple[str, ...] = ("vitals", "lifetime", "wifi_status", "version")
"""The only paths a Wall Connector answers usefully, under ``/api/1/``."""

MAX_BODY_BYTES = 256 * 1024
"""A real answer is under 2 KB; anything past 256 KiB is not a Wall Connector talking."""

MAX_WIRE_BYTES = MAX_BODY_BYTES + 32 * 1024
"""Everything one request may read off the socket: status lines, headers, any number of
``100 Continue`` interim answers (httpcore skips them silently, so only a byte budget stops an
endless stream of them), chunk framing and the body."""

OFF_LOOP_BYTES = 32 * 1024
"""Bodies larger than this are decoded in a worker thread, so even a slow parse of a hostile
answer never holds up the other chargers or the keyboard."""

EXCERPT_CHARS = 120


@dataclass(frozen=True)
class Timeouts:
    """How long to wait for a charger."""

    connect: float = 5.0
    """Seconds to open the TCP connection."""
    read: float = 15.0
    """Seconds to wait for bytes once connected: the device can be slow to send its first."""


class ChargerError(Exception):
    """A request failed; ``str()`` is a sentence for a person."""

    def __init__(self, message: str, *, endpoint: str = "") -> None:
        super().__init__(message)
        self.endpoint = endpoint


class Unreachable(ChargerError):
    """Nothing answered: refused, no route, unknown host name, or the connection dropped."""


class ConnectTimeout(ChargerError):
    """The TCP connection did not open in time."""


class ReadTimeout(ChargerError):
    """Connected, but the answer did not come in time."""


class HttpStatus(ChargerError):
    """The charger answered with an HTTP error status."""

    def __init__(self, message: str, *, endpoint: str = "", status: int = 0) -> None:
        super().__init__(message, endpoint=endpoint)
        self.status = status


class DecodeError(ChargerError):
    """The body is not JSON we can repair. ``excerpt`` keeps the start of it."""

    def __init__(self, message: str, *, endpoint: str = "", excerpt: str = "") -> None:
        super().__init__(message, endpoint=endpoint)
        self.excerpt = excerpt


# Outside strings: the next string's opening quote, or a bare non-finite token.
_OUTSIDE = re.compile(r'"|-?\b(?:Infinity|infinity|inf|NaN|nan)\b')
# The rest of a string after its opening quote, up to (not including) the closing quote.
# Matched once from a fixed start, it cannot backtrack: each step consumes a character.
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)


def _null_non_finite(text: str) -> str:
    """Replace bare non-finite tokens outside strings with null, in one pass over ``text``.

    A single regex over the whole text (string or token) retried its string branch from
    every quote of an unclosed string: quadratic, 26 s for 80 KB of ``\\"``. Here each
    character is looked at once, and an unclosed string ends the scan.
    """
    parts: list[str] = []
    kept = pos = 0
    end = len(text)
    while pos < end:
        found = _OUTSIDE.search(text, pos)
        if found is None:
            break
        if found.group() == '"':
            close = _STRING_REST.match(text, found.end()).end()  # type: ignore[union-attr]
            if close >= end:
                break  # an unclosed string runs to the end: nothing left to repair
            pos = close + 1
        else:
            parts += (text[kept:found.start()], "null")
            kept = pos = found.end()
    parts.append(text[kept:])
    return "".join(parts)


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=lambda _: None)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def tolerant_json(text: str) -> Any:
    """Decode a charger's JSON, repairing the two quirks real firmware has.

    Bare ``nan``, ``-nan``, ``inf`` and ``Infinity`` outside strings become null, and a
    missing final ``}`` is added. Raises ``ValueError`` for anything else. Linear in the
    length of ``text``, whatever it holds.
    """
    try:
        return _loads(text)
    except ValueError as error:
        if str(error) == "JSON nested too deeply":
            raise
    cleaned = _null_non_finite(text).strip()
    try:
        return _loads(cleaned)
    except ValueError as error:
        # Firmware drops the final brace; the body may still end in "}" from a nested value.
        if cleaned.startswith("{") and str(error) != "JSON nested too deeply":
            return _loads(cleaned + "}")
        raise


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


class _PoolPerCharger(httpx.AsyncBaseTransport):
    """A small connection pool per charger behind the one client.

    httpcore's pool walks every connection it holds on each request, twice (and counts its
    connections, not its idle ones, against ``max_keepalive_connections``, so past that many
    chargers it closes live keep-alive sockets): quadratic in chargers, and most of a
    50-charger hub's CPU (bench/RESULTS.md). Per charger, that walk is over one socket."""

    def __init__(self) -> None:
        self._ssl = httpx.create_ssl_context()  # once: building one costs milliseconds
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}

    def _pool(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        key = (url.raw_scheme, url.raw_host, url.port)
        transport = self._pools.get(key)
        if transport is None:
            limits = httpx.Limits(max_connections=8, max_keepalive_connections=2,
                                  keepalive_expiry=10.0)
            transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False,
                                                 verify=self._ssl)
            # httpx has no option for a byte budget per request; its pool takes a backend.
            pool = transport._pool
            pool._network_backend = _CappedBackend(pool._network_backend)  # type: ignore[attr-defined]
            self._pools[key] = transport
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for transport in pools:
            await transport.aclose()


def make_http_client(timeouts: Timeouts | None = None) -> httpx.AsyncClient:
    """The one shared client. ``trust_env=False``: a LAN device must not go through a proxy
    picked up from the environment."""
    t = timeouts or Timeouts()
    transport = _PoolPerCharger()
    return httpx.AsyncClient(
        timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.connect, pool=t.connect),
        transport=transport,
        trust_env=False,
        follow_redirects=False,
        # identity: the device never compresses, and a compressed answer could expand a
        # thousandfold before any size check saw it.
        headers={"Accept": "application/json", "Accept-Encoding": "identity",
                 "User-Agent": "twc-tui"},
    )


def format_host(host: str, port: int) -> str:
    """``host:port`` with IPv6 literals bracketed."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


class ChargerClient:
    """Fetches the four endpoints of one charger over a shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        host: str,
        port: int = 80,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.http = http
        self.host = host
        self.port = port
        self.timeouts = timeouts or Timeouts()
        self.address = format_host(host, port)
        self.base_url = f"http://{self.address}/api/1/"

    async def fetch(self, endpoint: str) -> Any:
        """GET ``/api/1/<endpoint>`` and return the decoded JSON.

        Raises only :class:`ChargerError` subclasses.
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"not a Wall Connector endpoint: {endpoint!r}")
        path = f"/api/1/{endpoint}"
        t = self.timeouts
        try:
            # httpx's read timeout is per read: a body dripping a byte every 14 s would hold
            # the charger's single request slot forever without an overall deadline.
            async with asyncio.timeout(t.connect + t.read):
                body = await self._get(endpoint, path)
        except ChargerError:
            raise
        except WireCapExceeded:
            raise DecodeError(f"{path} sent more than the {MAX_BODY_BYTES // 1024} KiB cap "
                              "(counting headers and interim answers)",
                              endpoint=endpoint) from None
        except TimeoutError:
            raise ReadTimeout(
                f"no complete answer to {path} within {t.connect + t.read:g} s",
                endpoint=endpoint,
            ) from None
        except httpx.ConnectTimeout:
            raise ConnectTimeout(
                f"timed out after {self.timeouts.connect:g} s connecting to {self.address}",
                endpoint=endpoint,
            ) from None
        except httpx.PoolTimeout:
            raise ConnectTimeout(
                f"timed out after {self.timeouts.connect:g} s waiting for a connection slot",
                endpoint=endpoint,
            ) from None
        except httpx.TimeoutException:
            raise ReadTimeout(
                f"timed out after {self.timeouts.read:g} s waiting for {path}",
                endpoint=endpoint,
            ) from None
        except httpx.ConnectError as error:
            raise Unreachable(self._connect_message(error), endpoint=endpoint) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            raise Unreachable(
                f"connection to {self.address} dropped during {path}", endpoint=endpoint
            ) from None
        except httpx.HTTPError as error:
            raise Unreachable(
                f"cannot talk to {self.address}: {error or 'connection failed'}",
                endpoint=endpoint,
            ) from None
        except OSError as error:
            raise Unreachable(f"{self.address}: {error.strerror or error}",
                              endpoint=endpoint) from None
        text = body.decode("utf-8", errors="replace")
        try:
            if len(body) > OFF_LOOP_BYTES:
                return await asyncio.to_thread(tolerant_json, text)
            return tolerant_json(text)
        except ValueError:
            excerpt = text[:EXCERPT_CHARS]
            what = "an empty body" if not text.strip() else "invalid JSON"
            raise DecodeError(
                f"{what} from {path}" + (f": {excerpt!r}" if text.strip() else ""),
                endpoint=endpoint,
                excerpt=excerpt,
            ) from None

    async def _get(self, endpoint: str, path: str) -> bytes:
        t = self.timeouts
        # Per charger, so the messages quote the timeouts actually in force.
        timeout = httpx.Timeout(connect=t.connect, read=t.read, write=t.connect, pool=t.connect)
        async with self.http.stream("GET", self.base_url + endpoint, timeout=timeout) as response:
            if response.status_code != 200:
                # Drain a small error page so the connection can be reused: a fresh TCP
                # connection per failed poll is more work for the charger, not less.
                drained = 0
                async for chunk in response.aiter_raw():
                    drained += len(chunk)
                    if drained > 64 * 1024:
                        break
                raise HttpStatus(
                    f"HTTP {response.status_code} from {path}",
                    endpoint=endpoint,
                    status=response.status_code,
                )
            cap = f"the {MAX_BODY_BYTES // 1024} KiB cap"
            declared = response.headers.get("content-length", "")
            # A digit string of thousands of characters must not reach int() (4300-digit limit).
            if declared.isdigit() and (len(declared) > 12 or int(declared) > MAX_BODY_BYTES):
                raise DecodeError(f"{path} sent {safe_text(declared, 20)} bytes, over {cap}",
                                  endpoint=endpoint)
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise DecodeError(f"{path} came compressed ({safe_text(encoding, 20)}), which "
                                  "a Wall Connector never does", endpoint=endpoint)
            chunks: list[bytes] = []
            size = 0
            # Raw bytes: nothing is decompressed, so the cap counts what is kept.
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise DecodeError(f"{path} sent more than {cap}", endpoint=endpoint)
                chunks.append(chunk)
            return b"".join(chunks)

    def _connect_message(self, error: httpx.ConnectError) -> str:
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, socket.gaierror):
                return f"cannot resolve host name {self.host!r}"
            if isinstance(cause, ConnectionRefusedError):
                return f"connection refused by {self.address}"
            cause = cause.__cause__ or cause.__context__
        text = str(error)
        if "Name or service not known" in text or "nodename nor servname" in text or (
            "Temporary failure in name resolution" in text
        ):
            return f"cannot resolve host name {self.host!r}"
        if "refused" in text.lower():
            return f"connection refused by {self.address}"
        return f"cannot connect to {self.address}: {text or type(error).__name__}"
