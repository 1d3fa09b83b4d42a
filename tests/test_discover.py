"""``twc-tui discover``: range limits, what counts as a charger, the snippet, and a real scan of
a small loopback range where simulated chargers listen on some addresses (loopback only)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from twc_tui.commands import discover
from twc_tui.commands.discover import Found, addresses, looks_like_charger, snippet, table
from twc_tui.core.config import parse_settings
from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm

HOSTILE = "\x1b]0;pwned\x07[b]x[/b]\n[[chargers]]\nhost = \"6.6.6.6\"" + "9" * 500


def test_ranges_and_limits() -> None:
    assert addresses("127.0.0.8/29", force=False) == [f"127.0.0.{n}" for n in range(9, 15)]
    assert addresses("10.1.2.3", force=False) == ["10.1.2.3"]
    assert addresses("10.1.2.3/24", force=False)[0] == "10.1.2.1"  # host bits are forgiven
    assert len(addresses("10.0.0.0/22", force=False)) == 1022
    with pytest.raises(ValueError, match="add --force"):
        addresses("10.0.0.0/21", force=False)
    assert len(addresses("10.0.0.0/21", force=True)) == 2046
    with pytest.raises(ValueError, match="limit is 65536"):
        addresses("10.0.0.0/15", force=True)
    with pytest.raises(ValueError, match="not an address range"):
        addresses("192.168.1.0/24; rm -rf", force=False)


@pytest.mark.parametrize(("body", "verdict"), [
    ({"firmware_version": "21.8.5", "part_number": "1529455-02-D", "serial_number": "P1"}, True),
    ({"firmware_version": "26.18.0", "serial_number": "P1"}, True),
    ({"serial_number": "P1"}, False),
    ({"firmware_version": 21, "part_number": 1, "serial_number": "P1"}, False),
    ({"status": "ok", "version": "1.0"}, False),
    (["firmware_version", "part_number"], False),
    ("firmware_version part_number serial_number", False),
    (None, False),
])  # fmt: skip
def test_what_counts_as_a_charger(body: object, verdict: bool) -> None:
    assert looks_like_charger(body) is verdict


def test_snippet_is_valid_config_and_hostile_strings_stay_in_comments() -> None:
    found = [Found("192.168.1.50", 80, "26.18.0", "1457768-02-G", "PGT1"),
             Found("192.168.1.51", 8080, HOSTILE, HOSTILE, HOSTILE)]
    text = table(found, 254) + "\n\n" + snippet(found)
    settings = parse_settings(text, Path("snippet.toml"))  # the whole output pastes cleanly
    assert [(c.host, c.port) for c in settings.chargers] == [("192.168.1.50", 80),
                                                             ("192.168.1.51", 8080)]
    assert "\x1b" not in text and "\x07" not in text and "6.6.6.6\"\n" not in text
    assert "PGT1" in text and "1457768-02-G" in text and "2 Wall Connectors found" in text
    assert max(len(line) for line in text.splitlines()) < 120


# -- a real scan on loopback -----------------------------------------------------------------


async def not_a_charger(host: str, port: int, body: bytes) -> asyncio.Server:
    """Some other web server on the LAN: answers 200 to anything."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, host, port)


@pytest.fixture
async def lan() -> AsyncIterator[tuple[int, list[SimulatedCharger]]]:
    """127.0.0.8/29: chargers on .10, .12 and .13, other web servers on .9 and .14, nothing
    on .11, all on the same port."""
    first = SimulatedCharger(profile="na", host="127.0.0.10", port=0, scenario="idle")
    await first.start()
    port = first.port
    rest = [SimulatedCharger(profile="eu", host="127.0.0.12", port=port, scenario="charging"),
            SimulatedCharger(profile="old", host="127.0.0.13", port=port, scenario="idle")]
    others = [await not_a_charger("127.0.0.9", port, b'{"status": "ok", "version": "1.2"}'),
              await not_a_charger("127.0.0.14", port, b"<html>router</html>")]
    try:
        async with SimulatorFarm(rest):
            yield port, [first, *rest]
    finally:
        await first.stop()
        for server in others:
            server.close()
            await server.wait_closed()


async def test_discover_finds_exactly_the_simulated_chargers(
    lan: tuple[int, list[SimulatedCharger]], capsys: pytest.CaptureFixture[str]
) -> None:
    port, sims = lan
    code = await asyncio.to_thread(discover.main, ["127.0.0.8/29", "--port", str(port)])
    out = capsys.readouterr().out
    assert code == 0
    settings = parse_settings(out, Path("stdout"))
    assert [c.host for c in settings.chargers] == ["127.0.0.10", "127.0.0.12", "127.0.0.13"]
    assert {c.port for c in settings.chargers} == {port}
    for sim in sims:  # one polite GET of /api/1/version each, nothing else
        assert [(r.method, r.path) for r in sim.log] == [("GET", "/api/1/version")]


async def test_discover_json_has_the_version_fields(
    lan: tuple[int, list[SimulatedCharger]], capsys: pytest.CaptureFixture[str]
) -> None:
    port, _ = lan
    code = await asyncio.to_thread(discover.main, ["127.0.0.8/29", "--port", str(port),
                                                   "--json", "--concurrency", "2"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["scanned"] == 6
    assert [c["host"] for c in doc["chargers"]] == ["127.0.0.10", "127.0.0.12", "127.0.0.13"]
    for charger in doc["chargers"]:
        assert charger["serial_number"] and charger["part_number"] and charger["firmware_version"]


async def test_nothing_found_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code = await asyncio.to_thread(discover.main, ["127.0.0.16/30", "--port", "9"])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "no Wall Connector answered on 2 addresses" in err
