"""The HTTP client for one Wall Connector: the four endpoints, gently.

One ``httpx.AsyncClient`` serves the whole process (building one costs about 30 ms, and a
shared pool keeps sockets to a minimum). It never retries: a retrying client multiplied sockets
against dead chargers and exhausted file descriptors in Home Assistant (field notes §2.1), so
backoff is the poller's job. Every failure becomes a :class:`ChargerError` with a sentence a
person can read; nothing else escapes :meth:`ChargerClient.fetch`.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any

import httpx

from twc_tui.core.byte_budget import MAX_BODY_BYTES, PoolPerCharger, WireCapExceeded
from twc_tui.core.json_repair import tolerant_json
from twc_tui.core.text import safe_text

ENDPOINTS: tuple[str, ...] = ("vitals", "lifetime", "wifi_status", "version")
"""The only paths a Wall Connector answers usefully, under ``/api/1/``."""

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


class ChargerHttp(httpx.AsyncClient):
    """The one client to the chargers: httpx's, and its transport (a pool per charger) as
    ``pools``, which a poll calls directly. A GET to a Wall Connector uses none of the client's
    per-request machinery (cookies, auth, redirects, proxies) and building it anyway cost 0.1 ms
    of CPU a request, a tenth of a hub's polling (bench/RESULTS.md)."""

    def __init__(self, pools: PoolPerCharger, **kwargs: Any) -> None:
        super().__init__(transport=pools, **kwargs)
        self.pools = pools


def make_http_client(timeouts: Timeouts | None = None) -> ChargerHttp:
    """The one shared client. ``trust_env=False``: a LAN device must not go through a proxy
    picked up from the environment."""
    t = timeouts or Timeouts()
    return ChargerHttp(
        PoolPerCharger(),
        timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.connect, pool=t.connect),
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
    """Fetches the four endpoints of one charger over the shared :class:`ChargerHttp`."""

    def __init__(
        self,
        http: ChargerHttp,
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
        # Parsed once: a URL is most of what building a request costs.
        self._urls = {e: httpx.URL(self.base_url + e) for e in ENDPOINTS}
        t = self.timeouts
        # Per charger, so the messages quote the timeouts actually in force.
        self._timeout = httpx.Timeout(connect=t.connect, read=t.read, write=t.connect,
                                      pool=t.connect).as_dict()

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
        request = httpx.Request("GET", self._urls[endpoint], headers=self.http.headers,
                                extensions={"timeout": self._timeout})
        response = await self.http.pools.handle_async_request(request)
        try:
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
        finally:
            await response.aclose()  # back to the pool, or closed when not read to the end

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
