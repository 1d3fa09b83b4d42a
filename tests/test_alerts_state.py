"""``twc-tui alerts list`` beside a running hub: the hub's rules with what each is doing now
(firing on which chargers, pending on which), read from ``/api/alerts``; without a hub, the
config file's rules and a line saying nothing here evaluates them."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.process_rig import TWC, running
from tests.pty_harness import ROOT, simulator
from tests.test_hub_edges import HUB_LINE, free_ports, user_env


def alerts_list(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    done = subprocess.run([*TWC, "alerts", "list", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def rule_line(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(name + " "))


def test_alerts_list_reads_the_hubs_rules_and_their_state(tmp_path: Path) -> None:
    env = user_env(tmp_path / "user")
    dead = free_ports(1)  # nothing listens there: the hub sees it go offline
    with simulator("--scenario", "charging", "--faults", "hostile", env=env) as evil, \
            running(["serve", "--listen", "127.0.0.1:0", "--db", str(tmp_path / "h.db"),
                     f"{evil}=Evil", f"127.0.0.1:{dead}=Dead"], env) as serve:
        url = serve.wait_line(HUB_LINE).group(1)
        deadline = time.monotonic() + 30
        while True:  # the alert fires on the first answer; offline needs 3 failed polls
            code, out, err = alerts_list(env)
            if "firing on: evil" in out and "pending on: dead" in out:
                break
            assert time.monotonic() < deadline, out + err
            time.sleep(0.5)
        assert code == 0, err
        assert out.startswith(f"the rules of the hub at {url}, as they stand now"), out
        assert rule_line(out, "charger alert").endswith("on (default), firing"), out
        assert rule_line(out, "charger offline").endswith("on (default), pending"), out
        assert rule_line(out, "reboot").endswith("on (default), quiet"), out
        assert "\x1b" not in out and "no hub runs here" not in out

        code, out, _ = alerts_list(env, "--json")
        doc = json.loads(out)
        rules = {rule["name"]: rule for rule in doc["rules"]}
        assert code == 0 and rules["charger alert"]["firing"] == ["evil"]
        assert rules["charger offline"]["pending"] == ["dead"]
        assert rules["charger offline"]["for_s"] == 300.0

        code, out, _ = alerts_list(env, "--direct")  # the config file's, not evaluated
        assert code == 0 and "firing" not in out and "no hub runs here" in out, out
        assert rule_line(out, "charger alert").endswith("on (default)"), out

        code, out, err = alerts_list(env, "--hub", "127.0.0.1:1")
        assert code == 3 and out == "", out
        assert err.strip().splitlines() == [
            "twc-tui alerts: hub unreachable at http://127.0.0.1:1: connection refused"], err


def test_alerts_list_without_a_hub_says_nothing_evaluates_the_rules(tmp_path: Path) -> None:
    code, out, err = alerts_list(user_env(tmp_path / "user"))
    assert code == 0, err
    assert out.splitlines()[-1].startswith("state now: no hub runs here to evaluate them")
    assert "firing" not in out and "quiet" not in out


def test_a_hub_answer_with_nan_or_junk_is_shown_without_a_traceback(tmp_path: Path) -> None:
    """Not JSON's NaN, a firing list that is a string, a rule that is not an object: the
    hub is another program, and what it sends is read as untrusted."""
    import http.server
    import threading

    body = (b'{"rules": [{"name": "x\\u001b[31m", "when": "reboot", "enabled": true, '
            b'"for_s": NaN, "cooldown_s": Infinity, "firing": "evil", "pending": [3]}, 7],'
            b' "sinks": []}')

    class Hub(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = user_env(tmp_path / "user")
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        code, out, err = alerts_list(env, "--hub", url, "--json")
        assert code == 0 and "Traceback" not in err, err
        [rule] = [r for r in json.loads(out)["rules"] if isinstance(r, dict)]
        assert rule["for_s"] is None and rule["cooldown_s"] is None
        code, out, err = alerts_list(env, "--hub", url)
        assert code == 0 and "Traceback" not in err, err
        line = rule_line(out, "x␛[31m")
        assert line.endswith("on (yours), quiet"), out  # a string is not a charger list
        assert "\x1b" not in out and "firing on" not in out and "pending on" not in out
    finally:
        server.shutdown()
