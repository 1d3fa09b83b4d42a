"""Bad input from the user: one clear line naming the problem, exit code 2, no traceback.
And Ctrl+C leaves cleanly in every mode.

The usage errors run in-process through the real entry point (``cli.main``) for speed; one
runs as a subprocess to prove what reaches a real stderr. Ctrl+C in `status` and `simulate`
is covered in test_cli.py and test_simulator.py; the full-screen one is here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pty_harness import ROOT, base_env, pty_app, simulator
from twc_tui.cli import main


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as done:  # argparse's way out, after our one-line message
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert out == ""  # nothing polled, nothing reported
    return code, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("twc-tui: ")
    return lines[0]


@pytest.mark.parametrize(("argv", "words"), [
    (["not_a_host!"], "not a host name or IP address: 'not_a_host!'"),
    (["300.1.1.1"], "not a host name or IP address: '300.1.1.1'"),
    (["a b"], "not a host name or IP address"),
    (["192.168.1.50:80:80"], "not a host name or IP address"),
    (["=Garage"], "no host in '=Garage'"),
    (["https://192.168.1.50"], "plain HTTP only"),
    (["127.0.0.1:0"], "port must be between 1 and 65535, not 0"),
    (["127.0.0.1:65536"], "port must be between 1 and 65535, not 65536"),
    (["127.0.0.1:http"], "not a port number: 'http'"),
    (["[::1]:99999"], "port must be between 1 and 65535"),
    (["--interval", "0.5", "127.0.0.1"], "0.5 s is too fast"),
    (["--idle-interval", "0", "127.0.0.1"], "too fast"),
    (["--interval", "abc", "127.0.0.1"], "'abc'"),
    (["--timeout", "0", "127.0.0.1"], "timeout must be between"),
    (["--phase-mode", "four", "127.0.0.1"], "invalid choice: 'four'"),
    (["--bogus", "127.0.0.1"], "unrecognized arguments: --bogus"),
    (["--interval"], "expected one argument"),
])  # fmt: skip
def test_a_bad_argument_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                               argv: list[str], words: str) -> None:
    code, err = run(capsys, *argv)
    assert code == 2
    assert words in one_line(err)


@pytest.mark.parametrize(("content", "words"), [
    (b"[polling\n", ["invalid TOML", "line 1"]),
    (b"[polling]\nvitals_active_s = 0.5\n", [":2: polling.vitals_active_s", "at least 1"]),
    (b"[display]\ncolour = 1\n", [":2: display.colour", "unknown key"]),
    (b"[display]\nascii = \"yes\"\n", [":2: display.ascii", "true or false"]),
    (b"[[chargers]]\nhost = \"not a host\"\n", [":2: chargers[1].host", "not a host name"]),
    (b"[[chargers]]\nhost = \"10.0.0.1\"\nport = 0\n", [":3: chargers[1].port", "port"]),
    (b"[[chargers]]\nname = \"Garage\"\n", ["chargers[1]", "missing key host"]),
    (b"[polling]\nvitals_active_s = 1\n\xff\xfe\n", ["cannot read the config file", "utf-8"]),
])  # fmt: skip
def test_a_bad_config_file_names_the_file_and_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, words: list[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    code, err = run(capsys, "--config", str(path), "127.0.0.1")
    line = one_line(err)
    assert code == 2
    assert str(path) in line
    for word in words:
        assert word in line, line


def test_an_unreadable_config_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """chmod 000 does not stop root, so when tests run as root a directory stands in."""
    path = tmp_path / "config.toml"
    if os.geteuid() == 0:
        path.mkdir()
    else:
        path.write_text("[polling]\n")
        path.chmod(0)
    code, err = run(capsys, "--config", str(path), "127.0.0.1")
    line = one_line(err)
    assert code == 2
    assert f"{path}: cannot read the config file" in line
    assert "Is a directory" in line or "Permission denied" in line


def test_a_missing_config_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run(capsys, "--config", str(tmp_path / "nope.toml"), "127.0.0.1")
    assert code == 2 and "nope.toml: no such config file" in one_line(err)


def test_what_reaches_a_real_stderr(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "twc_tui", "--interval", "0.2", "127.0.0.1"], cwd=ROOT,
        capture_output=True, text=True, timeout=30, env=base_env(tmp_path),
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "0.2 s is too fast" in proc.stderr
    assert "usage:" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("how", ["ctrl+c key", "SIGINT"])
def test_ctrl_c_leaves_the_full_screen_monitor_cleanly(tmp_path: Path, how: str) -> None:
    """In raw mode Ctrl+C arrives as a key; from `kill -INT` it is a signal."""
    with simulator("--scenario", "idle") as host, pty_app([host], base_env(tmp_path)) as app:
        assert app.wait_output("No vehicle", 15)
        if how == "SIGINT":
            app.kill(signal.SIGINT)
        else:
            app.write(b"\x03")
        assert app.wait_exit(5)
        text = app.text()
        assert "Traceback" not in text and "KeyboardInterrupt" not in text
        assert text.rstrip().endswith(("\x1b[?1006l", "\x1b[?1049l", "\x1b[?25h")), (
            repr(text[-200:]))  # the terminal restored, and nothing printed after
        assert app.returncode in (0, 130)


@pytest.mark.parametrize("argv", [
    ["status", "--bogus"], ["record", "--bogus"], ["serve", "--bogus"], ["web", "--bogus"],
    ["sessions", "--bogus"], ["export"], ["export", "nothing"], ["discover"],
    ["config"], ["config", "check", "--bogus"], ["alerts"], ["alerts", "bogus"],
    ["simulate", "--bogus"], ["serve", "--listen"],
])
def test_every_subcommand_says_a_usage_error_in_one_line(
        capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, err = run(capsys, *argv)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, err  # not argparse's usage block
    assert lines[0].startswith(f"twc-tui {argv[0]}") and "--help shows the options" in lines[0]
