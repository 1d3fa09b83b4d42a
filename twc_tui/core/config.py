"""Settings: a TOML file in the user config dir, validated strictly, overridden by CLI flags.

Strict because a typo must not be silently ignored: ``vitals_idle = 5`` (missing ``_s``) would
otherwise leave the default in force and the user wondering. Every error names the file, the
key and, where it can be found, the line, and the CLI turns it into exit code 2.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twc_tui.core.alert_config import Alerting, parse_alerting
from twc_tui.core.cadence import MIN_INTERVAL_S, PollSettings
from twc_tui.core.client import Timeouts, format_host
from twc_tui.core.config_where import INDEXED, where
from twc_tui.core.listen import parse_listen
from twc_tui.core.models import PHASE_MODES
from twc_tui.core.mqtt_settings import MQTT_KEYS, MqttSettings, mqtt_settings
from twc_tui.core.table_checks import Checks
from twc_tui.core.targets import ChargerConfig, check_host, check_port

APP_NAME = "twc-tui"
TIME_RANGES = ("5m", "1h", "24h")


class ConfigError(Exception):
    """A config file or a command-line value is not usable; ``str()`` is one line."""


@dataclass(frozen=True)
class Settings:
    """Everything the user can set."""

    chargers: tuple[ChargerConfig, ...] = ()
    poll: PollSettings = field(default_factory=PollSettings)
    timeouts: Timeouts = field(default_factory=Timeouts)
    theme: str = "textual-dark"
    """A Textual theme name; ``ansi-dark`` suits 16-colour terminals."""
    time_range: str = "5m"
    """The charts' initial range: 5m, 1h or 24h."""
    handle_warn_c: float = 60.0
    """Handle temperature shown as a warning (the charger derates at 65 °C)."""
    pcba_warn_c: float = 85.0
    """PCBA/MCU temperature shown as a warning."""
    ascii: bool = False
    """ASCII-only charts and bars, for consoles without Unicode fonts."""
    mouse: bool = True
    """Capture the mouse; off leaves selection to the terminal."""
    history: bool = True
    """Keep history (samples, events, sessions) in the database."""
    db_path: str | None = None
    """Where the history database lives; default: the user state dir."""
    retention_days: float = 90.0
    """How long downsampled samples and events are kept."""
    price_per_kwh: float | None = None
    """Optional energy price, to show a cost per session."""
    currency: str = ""
    """Shown before costs, e.g. "$" or "€"."""
    hub_listen: str | None = None
    """``[hub] listen``: where ``serve`` listens, ``HOST:PORT``."""
    hub_token_file: str | None = None
    """``[hub] token_file``: a file holding the token clients must send (never the token
    itself in the config)."""
    hub_url: str | None = None
    """``[hub] url``: the hub the monitor and ``status`` attach to."""
    mqtt: MqttSettings | None = None
    """``[mqtt]``: the broker ``serve`` publishes to; None: no MQTT."""
    alerting: Alerting = field(default_factory=Alerting)
    """``[[alerts]]`` rules in force (defaults included), ``[[notify]]`` sinks and
    ``[[tariffs]]`` zones."""
    bell: bool = False
    """``[display] bell``: ring the terminal bell when an alert fires in the monitor."""


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/twc-tui/config.toml`` (through platformdirs)."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_state_dir() -> Path:
    """``$XDG_STATE_HOME/twc-tui`` (through platformdirs)."""
    from platformdirs import user_state_path

    return user_state_path(APP_NAME)


# -- the file ---------------------------------------------------------------------------

Check = Callable[[Any], Any]


def _number(low: float | None = None, high: float | None = None) -> Check:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {_kind(value)}")
        if not math.isfinite(value):  # TOML allows nan and inf; no setting does
            raise ValueError(f"must be a finite number, not {value}")
        if low is not None and value < low:
            raise ValueError(f"must be at least {low:g}, not {value:g}")
        if high is not None and value > high:
            raise ValueError(f"must be at most {high:g}, not {value:g}")
        return float(value)

    return check


def _string(choices: tuple[str, ...] | None = None) -> Check:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_kind(value)}")
        if choices is not None and value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


_interval = _number(MIN_INTERVAL_S, 86400)

SCHEMA: dict[str, dict[str, Check]] = {
    "display": {"theme": _string(), "time_range": _string(TIME_RANGES), "ascii": _bool,
                "mouse": _bool, "bell": _bool},
    "thresholds": {"handle_warn_c": _number(0, 250), "pcba_warn_c": _number(0, 250)},
    "polling": {
        "vitals_active_s": _interval, "vitals_idle_s": _interval, "wifi_s": _interval,
        "lifetime_s": _interval, "version_s": _interval,
        "connect_timeout_s": _number(0.1, 120), "read_timeout_s": _number(0.1, 600),
    },
    "history": {"enabled": _bool, "db_path": _string(), "retention_days": _number(1, 3650),
                "price_per_kwh": _number(0, 1000), "currency": _string()},
    "hub": {"listen": lambda v: _listen(_string()(v)), "token_file": _string(),
            "url": lambda v: _hub_url(_string()(v))},
    "mqtt": MQTT_KEYS,
}  # fmt: skip
"""Every table and key the file may hold (plus ``[[chargers]]``)."""


def _listen(text: str) -> str:
    host, port = parse_listen(text)
    return format_host(host, port)


def _hub_url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise ValueError(f"must start with http:// or https://, not {text!r}")
    return text.rstrip("/")


def _port(value: Any) -> int:
    # The command line's "host:80" is text by nature; in TOML a port is a number, and a
    # quoted one is a mistake worth naming (like "5" for an interval).
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {_kind(value)}")
    return check_port(value)


CHARGER_KEYS: dict[str, Check] = {
    "host": _string(), "port": _port, "name": _string(),
    "phase_mode": _string(PHASE_MODES), "max_current_a": _number(1, 100),
    "proxy_port": check_port,
}  # fmt: skip

def load_settings(path: Path | None = None) -> Settings:
    """Read ``path`` (or the default location if it exists). Raises :class:`ConfigError`."""
    explicit = path is not None
    path = path if path is not None else default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{path}: no such config file") from None
        return Settings()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file: {error}") from None
    return parse_settings(text, path)


def parse_settings(text: str, path: Path) -> Settings:
    """Validate a config file's text strictly."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except RecursionError:
        # tomllib recurses once per nesting level; no setting nests more than two.
        raise ConfigError(f"{path}: invalid TOML: values nested too deeply") from None
    values: dict[str, Any] = {}
    for table, content in data.items():
        if table in INDEXED:
            continue
        if table not in SCHEMA:
            known = ", ".join([*INDEXED, *SCHEMA])
            raise ConfigError(f"{where(path, text, '', table)}: unknown table [{table}] "
                              f"(known: {known})")
        if not isinstance(content, Mapping):
            raise ConfigError(f"{where(path, text, table)}: expected a table")
        for key, value in content.items():
            check = SCHEMA[table].get(key)
            if check is None:
                raise ConfigError(f"{where(path, text, key, table)}: unknown key "
                                  f"(known: {', '.join(SCHEMA[table])})")
            try:
                # [hub] keys are prefixed: "url" or "listen" alone would say nothing.
                values[f"hub_{key}" if table == "hub" else key] = check(value)
            except ValueError as error:
                raise ConfigError(f"{where(path, text, key, table)}: {error}") from None
    chargers = _chargers(data.get("chargers", []), path, text)
    poll_keys = {k: values.pop(k) for k in list(values) if k in PollSettings.__dataclass_fields__}
    try:
        poll = PollSettings(**poll_keys)
    except ValueError as error:
        raise ConfigError(f"{path}: polling: {error}") from None
    if "enabled" in values:
        values["history"] = values.pop("enabled")
    if "mqtt" in data:
        try:
            values["mqtt"] = mqtt_settings({k: values.pop(k) for k in MQTT_KEYS if k in values})
        except ValueError as error:
            raise ConfigError(f"{where(path, text, '', 'mqtt')}: {error}") from None
    try:
        values["alerting"] = parse_alerting(
            data, lambda key, table, index: where(path, text, key, table, index),
            Checks(number=_number, string=_string, boolean=_bool))
    except ValueError as error:
        raise ConfigError(str(error)) from None
    timeouts = Timeouts(connect=values.pop("connect_timeout_s", 5.0),
                        read=values.pop("read_timeout_s", 15.0))
    return Settings(chargers=chargers, poll=poll, timeouts=timeouts, **values)


def _chargers(raw: Any, path: Path, text: str) -> tuple[ChargerConfig, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where(path, text, 'chargers')}: use [[chargers]] tables")
    chargers: list[ChargerConfig] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where(path, text, '', 'chargers', index)}: expected a table")
        values: dict[str, Any] = {}
        for key, value in entry.items():
            check = CHARGER_KEYS.get(key)
            at = where(path, text, key, "chargers", index)
            if check is None:
                raise ConfigError(f"{at}: unknown key (known: {', '.join(CHARGER_KEYS)})")
            try:
                values[key] = check(value)
                if key == "host":
                    values[key] = check_host(value)
            except ValueError as error:
                raise ConfigError(f"{at}: {error}") from None
        if "host" not in values:
            raise ConfigError(f"{where(path, text, '', 'chargers', index)}: missing key host")
        chargers.append(ChargerConfig(**values))
    return tuple(chargers)
