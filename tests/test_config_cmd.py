"""``twc-tui config path|init|check``, and bad config files seen by ``status``: one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from twc_tui.cli import main
from twc_tui.core.config import load_settings
from twc_tui.core.config_example import EXAMPLE


@pytest.fixture(autouse=True)
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own XDG_CONFIG_HOME, never the developer's real config."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_path_honours_xdg_config_home(xdg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "config", "path")
    assert code == 0
    assert out.strip() == str(xdg / "twc-tui" / "config.toml")
    assert "config init" in err  # not there yet: a hint, on stderr only


@pytest.mark.parametrize("order", ["before", "after"])
def test_path_honours_config_flag(tmp_path: Path, order: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "elsewhere.toml"
    argv = (["config", "--config", str(target), "path"] if order == "before"
            else ["config", "path", "--config", str(target)])
    code, out, _ = run(capsys, *argv)
    assert (code, out.strip()) == (0, str(target))


def test_init_writes_the_example_creating_directories(
    xdg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "config", "init")
    path = xdg / "twc-tui" / "config.toml"
    assert code == 0 and str(path) in out
    assert path.read_text(encoding="utf-8") == EXAMPLE
    assert load_settings(path).chargers[0].host == "192.168.1.50"  # the example is valid
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_init_refuses_to_overwrite_without_force(xdg: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = xdg / "twc-tui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("# mine\n", encoding="utf-8")
    code, out, err = run(capsys, "config", "init")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "already exists" in err and "--force" in err
    assert path.read_text(encoding="utf-8") == "# mine\n"
    code, _, _ = run(capsys, "config", "init", "--force")
    assert code == 0 and path.read_text(encoding="utf-8") == EXAMPLE


def test_init_into_an_unwritable_place_is_one_line(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code, _, err = run(capsys, "config", "init", "--config", str(blocker / "sub" / "c.toml"))
    assert code == 2 and err.count("\n") == 1 and "cannot write" in err


def test_check_summarises_a_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[chargers]]\nname = "Garage"\nhost = "10.0.0.5"\nphase_mode = "split"\n'
                    "max_current_a = 48\n", encoding="utf-8")
    code, out, _ = run(capsys, "config", "check", "--config", str(path))
    assert code == 0
    assert "OK" in out and "'Garage' at 10.0.0.5:80" in out and "max 48 A" in out


BAD_FILES = [
    ('[[chargers]]\nhost = "10.0.0.5"\nport = 99999\n', "chargers[1].port", ":3:"),
    ('[polling]\nvitals_idle = 5\n', "polling.vitals_idle", ":2:"),
    ('[polling]\nvitals_idle_s = 0.2\n', "polling.vitals_idle_s", ":2:"),
    ('[[chargers]]\nhost = "not a host!"\n', "chargers[1].host", ":2:"),
    ('[display\ntheme = 1\n', "invalid TOML", ""),
]


@pytest.mark.parametrize(("text", "names", "line"), BAD_FILES)
@pytest.mark.parametrize("command", ["check", "status"])
def test_bad_config_is_one_line_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, names: str, line: str,
    command: str,
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    argv = (["config", "check", "--config", str(path)] if command == "check"
            else ["status", "--config", str(path), "127.0.0.1:9"])
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert str(path) + line in err and names in err
    assert "Traceback" not in err


def test_missing_or_unreadable_config_is_one_line(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "status", "--config", str(tmp_path / "nope.toml"), "10.0.0.1")
    assert code == 2 and "no such config file" in err and err.count("\n") == 1
    code, _, err = run(capsys, "config", "check", "--config", str(tmp_path))  # a directory
    assert code == 2 and "cannot read" in err and err.count("\n") == 1
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    code, _, err = run(capsys, "config", "check", "--config", str(binary))
    assert code == 2 and str(binary) in err and err.count("\n") == 1
