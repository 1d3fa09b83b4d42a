"""The command line as a user meets it: --version, --help with examples, and bad input that
gets one clear line and exit code 2, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from twc_tui import __version__
from twc_tui.cli import main

ROOT = Path(__file__).resolve().parents[1]


def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m twc_tui`` in a fresh interpreter, stdout a pipe (not a terminal)."""
    return subprocess.run([sys.executable, "-m", "twc_tui", *argv], cwd=ROOT, text=True,
                          capture_output=True, timeout=30, env={**os.environ, **(env or {})},
                          check=False)


def test_version() -> None:
    result = cli("--version")
    assert result.returncode == 0 and result.stdout.startswith(f"twc-tui {__version__}")


def test_top_level_help_lists_commands_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    for text in ("status", "discover", "config path|init|check", "examples:", "--demo"):
        assert text in out


@pytest.mark.parametrize(("argv", "example"), [
    (["status", "--help"], "twc-tui status --json"),
    (["discover", "--help"], "twc-tui discover 192.168.1.0/24"),
    (["config", "--help"], "twc-tui config init"),
    (["config", "init", "--help"], "--force"),
])  # fmt: skip
def test_each_command_has_help_with_examples(argv: list[str], example: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    assert example in capsys.readouterr().out


BAD_INPUT = [
    (["status", "not a host!"], "not a host name or IP address"),
    (["status", "999.1.2.3"], "not a host name or IP address"),
    (["status", "10.0.0.1:0"], "port must be between 1 and 65535"),
    (["status", "10.0.0.1:http"], "not a port number"),
    (["status", "--timeout", "0"], "timeout must be between"),
    (["status", "--phase-mode", "four"], "invalid choice"),
    (["status", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["discover"], "the following arguments are required: CIDR"),
    (["discover", "192.168.1.0/33"], "not an address range"),
    (["discover", "banana"], "not an address range"),
    (["discover", "10.0.0.0/8"], "limit is 65536"),
    (["discover", "10.0.0.0/21"], "add --force"),
    (["discover", "10.0.0.0/24", "--port", "70000"], "port must be between 1 and 65535"),
    (["discover", "10.0.0.0/24", "--concurrency", "0"], "concurrency must be between"),
    (["config"], "required: ACTION"),
    (["config", "frob"], "invalid choice"),
    (["stauts", "10.0.0.1"], "did you mean 'status'"),
    (["--interval", "0.2", "10.0.0.1"], "too fast"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_is_one_clear_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert message in err
    problem = [line for line in err.splitlines() if not line.startswith(("usage:", " "))]
    assert len(problem) == 1, err  # argparse adds its usage lines; the problem is one line


def test_no_hosts_gives_a_hint_and_exit_2(tmp_path: Path) -> None:
    result = cli("status", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 2 and result.stdout == ""
    first, *rest = result.stderr.splitlines()
    assert "no chargers given" in first and str(tmp_path) in first
    assert any("twc-tui discover" in line for line in rest)


def test_status_path_never_imports_textual_and_has_no_traceback(tmp_path: Path) -> None:
    """End to end in a fresh interpreter: an unreachable charger, the module list at exit."""
    probe = ("import sys, runpy, atexit, json\n"
             "atexit.register(lambda: print(json.dumps(sorted(m for m in sys.modules "
             "if m.split('.')[0] in ('textual', 'rich'))), file=sys.stderr))\n"
             "sys.argv = ['twc-tui', 'status', '--json', '127.0.0.1:9']\n"
             "runpy.run_module('twc_tui', run_name='__main__')\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, text=True,
                            capture_output=True, timeout=30, check=False,
                            env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 3, result.stderr
    assert json.loads(result.stderr.strip().splitlines()[-1]) == []  # neither, with --json
    assert "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    assert doc["chargers"][0]["reachable"] is False
    assert "refused" in doc["chargers"][0]["error"]


def test_plain_monitor_without_a_terminal_prints_the_report(tmp_path: Path) -> None:
    """stdout is a pipe here: `twc-tui HOST` must not start the full-screen UI."""
    result = cli("127.0.0.1:9=Garage", env={"XDG_CONFIG_HOME": str(tmp_path), "TERM": "dumb"})
    assert result.returncode == 3
    assert "Garage" in result.stdout and "UNREACHABLE" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_missing_command_module_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from twc_tui import cli as cli_module

    monkeypatch.setitem(cli_module.COMMANDS, "status", "twc_tui.commands.no_such_module")
    assert main(["status"]) == 2
    assert "not available" in capsys.readouterr().err


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    from twc_tui.commands import status

    def interrupted(argv: list[str]) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(status, "main", interrupted)
    assert main(["status", "10.0.0.1"]) == 130


def test_ctrl_c_during_a_stalled_request_exits_130_without_traceback(tmp_path: Path) -> None:
    """A charger that accepts the connection and never answers; the user presses Ctrl+C."""
    import signal
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(20)
        port = listener.getsockname()[1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "twc_tui", "status", f"127.0.0.1:{port}"], cwd=ROOT,
            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
        )
        connection, _ = listener.accept()  # the request is now in flight
        with connection:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "Traceback" not in err and out == ""
