"""`twc-tui alerts list` and `twc-tui alerts test`, as a user runs them."""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

from tests.test_alert_kit import Receiver
from twc_tui.commands import alerts


async def run(*argv: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "twc_tui", *argv, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_alerts_test_sends_through_each_sink_and_says_what_happened(
        tmp_path: Path) -> None:
    async with Receiver() as rx:
        config = tmp_path / "c.toml"
        config.write_text(f"""
[[notify]]
name = "phone"
type = "ntfy"
url = "{rx.url('/twc')}"
[[notify]]
name = "dead"
type = "webhook"
url = "http://127.0.0.1:9/hook"
retries = 0
""", encoding="utf-8")
        code, out, err = await run("alerts", "--config", str(config), "test")
        assert code == 1, err
        assert "phone (ntfy): sent, HTTP 200" in out
        assert "dead (webhook): FAILED, connect error" in out
        assert rx.received[0].headers["Title"] == "twc-tui: test"
        code, out, _ = await run("alerts", "--config", str(config), "test", "phone")
        assert code == 0 and out.count("sent") == 1 and len(rx.received) == 2
        code, _, err = await run("alerts", "--config", str(config), "test", "nope")
        assert code == 2 and "no sink named 'nope'" in err and "Traceback" not in err


def test_alerts_list_shows_defaults_overrides_and_sinks(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("""
[[alerts]]
name = "reboot"
enabled = false
[[alerts]]
name = "handle warm"
when = { kind = "handle_temp", above_c = 60 }
for = "2m"
severity = "info"
""", encoding="utf-8")
    out = io.StringIO()
    assert alerts.main(["--config", str(config), "list"], out=out) == 0
    text = out.getvalue()
    assert "charger offline" in text and "5m 00s" in text  # the default's for
    lines = {line.split("  ")[0].strip(): line for line in text.splitlines()}
    assert lines["reboot"].endswith("off (default)")
    assert "handle_temp (above_c=60)" in lines["handle warm"]
    assert lines["handle warm"].endswith("on (yours)")
    assert "sinks: none" in text


def test_a_bad_alerts_table_exits_2_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[[alerts]]\nname = "x"\nwhen = "sometimes"\n', encoding="utf-8")
    code = alerts.main(["--config", str(config), "list"], out=io.StringIO())
    assert code == 2
