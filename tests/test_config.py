"""Command-line targets and the TOML settings file: strict, with errors a person can act on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from twc_tui.core.config import (
    ConfigError,
    Settings,
    default_config_path,
    load_settings,
    parse_settings,
)
from twc_tui.core.config_example import EXAMPLE
from twc_tui.core.targets import ChargerConfig, parse_target, resolve_chargers

# -- parse_target ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "host", "port", "name"),
    [
        ("192.168.1.50", "192.168.1.50", 80, None),
        ("192.168.1.50:8080", "192.168.1.50", 8080, None),
        ("garage.local", "garage.local", 80, None),
        ("teslawallconnector_ab12:80", "teslawallconnector_ab12", 80, None),
        ("[::1]:8080", "::1", 8080, None),
        ("[::1]", "::1", 80, None),
        ("::1", "::1", 80, None),
        ("fe80::1", "fe80::1", 80, None),
        ("192.168.1.50=Garage", "192.168.1.50", 80, "Garage"),
        ("192.168.1.50:8080 = Big one ", "192.168.1.50", 8080, "Big one"),
        ("[::1]:8080=Lab", "::1", 8080, "Lab"),
        ("http://192.168.1.50", "192.168.1.50", 80, None),
        ("http://192.168.1.50:8080/", "192.168.1.50", 8080, None),
        ("http://[::1]:8080/=Lab", "::1", 8080, "Lab"),
        ("  10.0.0.7  ", "10.0.0.7", 80, None),
    ],
)
def test_parse_target(text: str, host: str, port: int, name: str | None) -> None:
    target = parse_target(text)
    assert (target.host, target.port, target.name) == (host, port, name)
    assert target.phase_mode == "auto"


def test_target_id_and_label() -> None:
    assert parse_target("[::1]:8080").id == "[::1]:8080"
    assert parse_target("[::1]:8080").label == "[::1]:8080"
    assert parse_target("10.0.0.7=Garage").label == "Garage"
    assert parse_target("10.0.0.7=Garage").id == "10.0.0.7:80"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("not a host!", "not a host name or IP address"),
        ("bad_host$", "not a host name or IP address"),
        ("-leading.dash", "not a host name or IP address"),
        # A dotted all-digit string that is not a valid IPv4 address is a typo, never a name.
        ("999.1.1.1", "not a host name or IP address"),
        ("1.2.3", "not a host name or IP address"),
        ("192.168.1.256", "not a host name or IP address"),
        ("h:0", "port must be between 1 and 65535"),
        ("h:70000", "port must be between 1 and 65535"),
        ("h:abc", "not a port number"),
        ("h:", "not a port number"),
        ("h:-1", "not a port number"),
        ("h:²", "not a port number"),
        ("=NAME", "no host"),
        ("", "no host"),
        ("[::1]x", "not a host"),
    ],
)
def test_parse_target_rejects_with_a_readable_value_error(text: str, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_target(text)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message and "invalid literal" not in message


# -- the settings file ----------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "\n" not in message, "a config error is one line"
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    ("text", "line", "dotted", "words"),
    [
        ('[display]\ntheme = "x"\n\n[colors]\nbg = 1\n', 4, "colors", "unknown table"),
        ('[display]\ntheme = "x"\ncolour = 3\n', 3, "display.colour", "unknown key"),
        ('[polling]\nvitals_idle = 5\n', 2, "polling.vitals_idle", "unknown key"),
        ('[display]\nascii = "yes"\n', 2, "display.ascii", "expected true or false"),
        ('[thresholds]\n\nhandle_warn_c = "60"\n', 3, "thresholds.handle_warn_c",
         "expected a number"),
        ("[polling]\nwifi_s = 30\nvitals_active_s = 0.5\n", 3, "polling.vitals_active_s",
         "at least 1"),
        ("[polling]\nvitals_idle_s = 0\n", 2, "polling.vitals_idle_s", "at least 1"),
        # TOML has nan and inf; nan compares false with everything, so it would pass a
        # "below 1 s" check and poll without pause.
        ("[polling]\nvitals_idle_s = nan\n", 2, "polling.vitals_idle_s", "finite"),
        ("[history]\nretention_days = inf\n", 2, "history.retention_days", "finite"),
        ('[[chargers]]\nhost = "10.0.0.7"\nphase_mode = "single"\n', 3,
         "chargers[1].phase_mode", "must be one of auto, split, three"),
        ('[[chargers]]\nhost = "10.0.0.7"\n\n[[chargers]]\nname = "Barn"\n', 4,
         "chargers[2]", "missing key host"),
        ('[[chargers]]\nhost = "10.0.0.7"\n\n[[chargers]]\nhost = "10.0.0.8"\nspeed = 2\n', 6,
         "chargers[2].speed", "unknown key"),
        ('[[chargers]]\nhost = 42\n', 2, "chargers[1].host", "expected a string"),
        ('[[chargers]]\nhost = "999.1.1.1"\n', 2, "chargers[1].host", "not a host name"),
        ('[[chargers]]\nhost = "10.0.0.7"\nport = 70000\n', 3, "chargers[1].port",
         "between 1 and 65535"),
        ('[[chargers]]\nhost = "10.0.0.7"\nmax_current_a = "48"\n', 3,
         "chargers[1].max_current_a", "expected a number"),
        ("chargers = 3\n", 1, "chargers", "[[chargers]]"),
    ],
)  # fmt: skip
def test_strict_file_errors_name_file_key_and_line(
    tmp_path: Path, text: str, line: int, dotted: str, words: str
) -> None:
    path = write(tmp_path, text)
    message = config_error(path)
    assert message.startswith(f"{path}:{line}: {dotted}: "), message
    assert words in message


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[display\ntheme = \n")
    message = config_error(path)
    assert "invalid TOML" in message


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    message = config_error(path)
    assert "no such config file" in message


def test_a_full_file_sets_everything(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[chargers]]
name = "Garage"
host = "192.168.1.50"
phase_mode = "split"
max_current_a = 48

[[chargers]]
host = "::1"
port = 8080

[polling]
vitals_active_s = 2
vitals_idle_s = 10
connect_timeout_s = 3
read_timeout_s = 20

[display]
theme = "ansi-dark"
time_range = "1h"
ascii = true
mouse = false

[thresholds]
handle_warn_c = 62.5

[history]
price_per_kwh = 0.3
currency = "€"
""",
    )
    settings = load_settings(path)
    assert settings.chargers == (
        ChargerConfig("192.168.1.50", 80, "Garage", "split", 48.0),
        ChargerConfig("::1", 8080),
    )
    assert (settings.poll.vitals_active_s, settings.poll.vitals_idle_s) == (2.0, 10.0)
    assert (settings.timeouts.connect, settings.timeouts.read) == (3.0, 20.0)
    assert (settings.theme, settings.time_range, settings.ascii, settings.mouse) == (
        "ansi-dark", "1h", True, False,
    )  # fmt: skip
    assert settings.handle_warn_c == 62.5
    assert (settings.price_per_kwh, settings.currency) == (0.3, "€")


def test_the_example_template_parses() -> None:
    settings = parse_settings(EXAMPLE, Path("example.toml"))
    assert settings.chargers == (ChargerConfig("192.168.1.50", name="Garage"),)
    assert settings.poll == Settings().poll and settings.timeouts == Settings().timeouts


def test_every_key_the_example_documents_is_valid() -> None:
    # Keys, and the optional tables whose headers are commented out with them ([mqtt]).
    uncommented = re.sub(r"(?m)^# (\w+ = |\[\w+\])", r"\1", EXAMPLE)
    assert uncommented.count("\n# ") < EXAMPLE.count("\n# ")
    settings = parse_settings(uncommented, Path("example.toml"))
    # The commented values are the defaults, except the ones that show an option.
    assert settings.poll == Settings().poll
    assert settings.chargers[0].max_current_a == 48.0
    assert settings.price_per_kwh == 0.3


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "# nothing yet\n")) == Settings()


def test_default_path_honours_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_config_path() == tmp_path / "xdg" / "twc-tui" / "config.toml"


def test_missing_default_file_gives_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert not default_config_path().exists()
    assert load_settings() == Settings()


def test_default_file_is_read_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = tmp_path / "twc-tui" / "config.toml"
    path.parent.mkdir()
    path.write_text('[display]\ntheme = "ansi-dark"\n', encoding="utf-8")
    assert load_settings().theme == "ansi-dark"
    path.write_text("[display]\nthem = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}:2: display.them")):
        load_settings()


def test_one_charger_named_twice_gets_one_entry_and_keeps_the_config_details() -> None:
    settings = Settings(chargers=(
        ChargerConfig("10.0.0.5", name="Garage", phase_mode="split", max_current_a=48.0),
        ChargerConfig("10.0.0.5", name="Again"),
    ))
    assert [c.label for c in resolve_chargers(settings, [])] == ["Garage"]
    chargers = resolve_chargers(settings, ["10.0.0.5", "http://10.0.0.5/=Other", "10.0.0.6"])
    assert [c.id for c in chargers] == ["10.0.0.5:80", "10.0.0.6:80"]  # one poller each
    assert chargers[0].phase_mode == "split" and chargers[0].max_current_a == 48.0
