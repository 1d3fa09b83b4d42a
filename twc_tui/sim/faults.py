"""Fault injection for the simulated charger: what can go wrong, and how it looks on the wire.

Real Wall Connectors stall, send truncated JSON, reset connections and drop off Wi-Fi (field
notes §4 and §7). Every case in the hardening issue's fault matrix is one field of
:class:`Faults`, so a test or ``twc-tui simulate --faults`` can switch it on, even while
serving.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

from twc_tui.sim.render import Fixed

WRONG_SHAPES: tuple[str, ...] = ("array", "string")


@dataclass
class Faults:
    """What the simulated charger does wrong. All off by default; mutable while serving."""

    latency_s: float = 0.0
    """Real seconds to wait before answering."""
    stall_s: float = 0.0
    """Real seconds to wait before the first byte (beyond a read timeout, to trigger it)."""
    error_rate: float = 0.0
    """Fraction of requests answered with HTTP 500."""
    status: int | None = None
    """Answer every request with this HTTP status (404, 500, 503...)."""
    truncate_rate: float = 0.0
    """Fraction of JSON bodies sent without their final ``}``, as real firmware does."""
    html: bool = False
    """An HTML error page with status 200 instead of JSON."""
    empty: bool = False
    """An empty body with status 200."""
    garbage: bool = False
    """Random bytes that are not UTF-8."""
    oversize: bool = False
    """A body over 1 MiB, sent chunked so only a streaming cap catches it."""
    wrong_shape: str | None = None
    """``"array"`` or ``"string"``: valid JSON that is not an object."""
    wrong_types: bool = False
    """Fields of the wrong type: numbers and booleans as strings, lists as numbers."""
    missing_fields: bool = False
    """Drop every other field."""
    extra_fields: bool = False
    """Add fields no firmware sends (yet)."""
    reset_rate: float = 0.0
    """Fraction of connections reset halfway through the body."""
    hostile: bool = False
    """Markup, escape sequences, NUL, invalid UTF-8 and 10 000-char strings in every string
    the charger sends, in unknown field names and in alert values."""
    sentinel_rate: float = 0.0
    """Fraction of vitals within a few seconds of a state change that read 255 °C for the
    handle (the sensor's failure sentinel, seen around connector state changes)."""
    grid_sag_v: float = 0.0
    """Volts off the supply (``grid_v`` and the phase voltages): a sagging grid."""
    handle_heat_c: float = 0.0
    """Degrees added to the handle reading: a handle hotter than the model (sun, a worn pin)."""
    firmware: str | None = None
    """A ``firmware_version`` other than the profile's: an update the unit installed."""
    unplugged: bool = False
    """The car is pulled out whatever the script says (mid-charge: an unplug while charging)."""
    seed: int | None = None
    """Seeds the random choices so tests are deterministic."""

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Parse ``"latency=0.5,error_rate=0.2,hostile"``. Raises ``ValueError`` in words."""
        faults = cls()
        fields = {f.name: f for f in dataclasses.fields(cls)}
        aliases = {"latency": "latency_s", "stall": "stall_s", "grid_sag": "grid_sag_v",
                   "heat": "handle_heat_c"}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, sep, text = (s.strip() for s in item.partition("="))
            key = aliases.get(key, key)
            if key not in fields:
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(sorted(fields))}")
            setattr(faults, key, _value(key, text if sep else None))
        return faults

    def active(self) -> list[str]:
        """Names of the faults that are switched on, for a status line."""
        default = Faults()
        return [
            f.name
            for f in dataclasses.fields(self)
            if f.name != "seed" and getattr(self, f.name) != getattr(default, f.name)
        ]


_BOOLS = ("html", "empty", "garbage", "oversize", "wrong_types", "missing_fields",
          "extra_fields", "hostile", "unplugged")  # fmt: skip
_RATES = ("error_rate", "truncate_rate", "reset_rate", "sentinel_rate")


def _value(key: str, text: str | None) -> Any:
    if key in _BOOLS:
        if text is None or text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"fault {key} is on or off, not {text!r}")
    if text is None or text == "":
        raise ValueError(f"fault {key} needs a value, e.g. {key}={_EXAMPLES.get(key, '1')}")
    if key == "firmware":
        if not text or any(c in text for c in "\x00\r\n"):
            raise ValueError("fault firmware needs a version, e.g. firmware=26.20.1+gabc")
        return text
    if key == "wrong_shape":
        if text not in WRONG_SHAPES:
            raise ValueError(f"wrong_shape is 'array' or 'string', not {text!r}")
        return text
    if key in ("status", "seed"):
        try:
            number = int(text)
        except ValueError:
            raise ValueError(f"fault {key} needs a whole number, not {text!r}") from None
        if key == "status" and not 100 <= number <= 599:
            raise ValueError(f"status must be an HTTP status (100-599), not {number}")
        return number
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"fault {key} needs a number, not {text!r}") from None
    if value != value or value < 0:
        raise ValueError(f"fault {key} must be 0 or more, not {text}")
    if key in _RATES and value > 1:
        raise ValueError(f"{key} is a fraction between 0 and 1, not {text}")
    return value


_EXAMPLES = {"latency_s": "0.5", "stall_s": "20", "error_rate": "0.2", "status": "503",
             "truncate_rate": "0.1", "reset_rate": "0.1", "wrong_shape": "array",
             "sentinel_rate": "0.5", "seed": "42", "grid_sag_v": "40",
             "handle_heat_c": "20", "firmware": "26.20.1+g0123456789abcd"}  # fmt: skip

FAULT_HELP = """\
fault keys for --faults (comma-separated; a bare name switches a flag on):
  latency=S          wait S real seconds before answering        latency=0.5
  stall=S            wait S real seconds before the first byte   stall=20
  error_rate=F       answer a fraction F of requests with 500    error_rate=0.2
  status=N           answer every request with HTTP N            status=503
  truncate_rate=F    drop the final "}" from a fraction F        truncate_rate=0.1
  reset_rate=F       reset a fraction F of connections mid-body  reset_rate=0.05
  html               an HTML error page with status 200          html
  empty              an empty body with status 200               empty
  garbage            random bytes that are not UTF-8             garbage
  oversize           a body over 1 MiB (chunked)                 oversize
  wrong_shape=K      valid JSON that is not an object (array|string)  wrong_shape=array
  wrong_types        numbers and booleans sent as strings        wrong_types
  missing_fields     drop every other field                      missing_fields
  extra_fields       add fields no firmware sends                extra_fields
  hostile            markup, escape sequences, NUL, invalid UTF-8, 10 000-char strings
  sentinel_rate=F    handle reads 255 C around state changes     sentinel_rate=0.5
  grid_sag=V         the grid sags by V volts                    grid_sag=40
  heat=C             the handle reads C degrees hotter           heat=20
  firmware=VERSION   report another firmware version             firmware=26.20.1+gabc
  unplugged          the car is pulled out, even mid-charge        unplugged
  seed=N             make the random faults repeatable           seed=42
example: --faults latency=0.5,error_rate=0.2,truncate_rate=0.1,hostile"""


# Hostile strings: Textual/Rich markup, terminal escapes, control bytes, and sheer length.
MARKUP = "[b]bold[/] [$error] [@click=app.quit]x[/] [RED]shout[/RED]"
ESCAPES = "\x1b]0;pwned title\x07\x1b[2J\x1b[31mred\x07\x00nul"
LONG = "W" * 10_000
HOSTILE_SSID_BYTES = b"\xff\xfe[b]evil\x1b]0;t\x07\x00\xc3("
"""Invalid UTF-8 with escapes inside: what the base64 SSID decodes to."""


def hostile_strings(endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
    """Replace every string the charger sends with something nasty, and add unknown fields
    whose names and values are nasty too."""
    import base64

    out = dict(data)
    if endpoint == "vitals":
        out["current_alerts"] = [40, MARKUP, ESCAPES, LONG]
    elif endpoint == "wifi_status":
        out["wifi_ssid"] = base64.b64encode(HOSTILE_SSID_BYTES).decode("ascii")
        out["wifi_infra_ip"] = "192.168.1.5" + ESCAPES
        out["wifi_mac"] = MARKUP
    elif endpoint == "version":
        out["firmware_version"] = MARKUP + ESCAPES
        out["part_number"] = "[b]1457768-02-G[/b]\x1b[2J"
        out["serial_number"] = LONG
        if "web_service" in out:
            out["web_service"] = "[@click=app.quit]x"
    out[MARKUP] = ESCAPES
    out["\x1b[2J" + "k" * 50] = LONG
    out["[$error]"] = {"nested": MARKUP, "list": [ESCAPES]}
    return out


def wrong_types(data: dict[str, Any]) -> dict[str, Any]:
    """Numbers and booleans become strings, strings become numbers, lists become numbers."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, bool):
            out[key] = "yes" if value else "no"
        elif isinstance(value, int | float):
            out[key] = str(value)
        elif isinstance(value, str):
            out[key] = 12345
        elif isinstance(value, list):
            out[key] = 40
        else:
            out[key] = value
    return out


def missing_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Every other field, so half are missing."""
    return {k: v for i, (k, v) in enumerate(data.items()) if i % 2 == 0}


def extra_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Fields a future firmware might add."""
    return {**data, "evse_future_mode": 3, "grid_code": "UL1741-SB",
            "debug": {"heap_free": 81234, "tasks": [1, 2, 3]}, "beta_flag": True}


def garbage(rng: random.Random) -> bytes:
    """Bytes that are not UTF-8 (0x80-0xFF never start a valid sequence on their own here)."""
    return bytes(rng.randrange(0x80, 0x100) for _ in range(rng.randrange(64, 512)))


HTML_PAGE = (b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
             b"<body><h1>Internal Server Error</h1><p>The server encountered an internal "
             b"error.</p></body></html>")


_VOLTAGES = ("grid_v", "voltageA_v", "voltageB_v", "voltageC_v")
_UNPLUGGED: dict[str, Any] = {
    "contactor_closed": False, "vehicle_connected": False, "session_s": 0,
    "vehicle_current_a": Fixed(0.3), "currentA_a": Fixed(0.0), "currentB_a": Fixed(0.3),
    "currentC_a": Fixed(0.0), "currentN_a": Fixed(0.0), "voltageA_v": Fixed(0.1),
    "voltageB_v": Fixed(5.4), "voltageC_v": Fixed(0.1), "prox_v": Fixed(0.0),
    "pilot_high_v": Fixed(11.8), "pilot_low_v": Fixed(11.8), "evse_state": 1,
    "current_alerts": [],
}
"""Vitals with nothing plugged in (field notes §3, the NA idle capture)."""


def physical(endpoint: str, data: dict[str, Any], faults: Faults) -> dict[str, Any]:
    """What the world does to an honest payload, before any wire fault: a sagging grid, a
    hotter handle, another firmware. The numbers keep the device's decimals."""
    if endpoint == "vitals" and faults.unplugged:
        data = {**data, **_UNPLUGGED}
    if endpoint == "vitals" and (faults.grid_sag_v or faults.handle_heat_c):
        data, grid = dict(data), data.get("grid_v")
        for key in _VOLTAGES:
            if faults.grid_sag_v and isinstance(data.get(key), float) and data[key] > 50:
                # Phase voltages behind an open contactor read a few volts: nothing to sag.
                share = data[key] / grid if isinstance(grid, float) and grid > 0 else 1.0
                data[key] = Fixed(max(0.0, data[key] - faults.grid_sag_v * share))
        temp = data.get("handle_temp_c")
        if faults.handle_heat_c and isinstance(temp, float) and temp < 255:
            data["handle_temp_c"] = Fixed(temp + faults.handle_heat_c)
    elif endpoint == "version" and faults.firmware:
        data = {**data, "firmware_version": faults.firmware}
    return data
