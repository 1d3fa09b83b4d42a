"""The shipped recipes: the Grafana dashboard asks only for series the hub's /metrics really
exports (scraped from a real HubServer polling simulated chargers), one repeated row per
charger; the Telegraf and Prometheus snippets point at /metrics."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources

import httpx

from tests.hub_rig import HubRig
from twc_tui.sim.charger import SimulatedCharger

RECIPES = resources.files("twc_tui") / "recipes"
_FUNCTIONS = {"label_values", "rate", "sum", "by", "avg", "max", "min", "increase"}


def _exprs(dashboard: dict) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("expr", "definition") and isinstance(value, str):
                    found.append(value)
                elif key == "query" and isinstance(value, dict | str):
                    walk(value) if isinstance(value, dict) else found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(dashboard)
    return [e for e in found if e != "prometheus"]


def _metric_names(expr: str) -> set[str]:
    # label_values(METRIC, LABEL): only its first argument is a metric.
    expr = re.sub(r"label_values\(\s*([^,]+),[^)]*\)", r"\1", expr)
    no_labels = re.sub(r"\{[^}]*\}", "", expr)
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", no_labels))
    return {n for n in names if n not in _FUNCTIONS and not n.startswith("__")}


async def test_every_dashboard_expression_uses_exported_metrics() -> None:
    dashboard = json.loads((RECIPES / "grafana-dashboard.json").read_text())
    sims = [SimulatedCharger("na", scenario="charging", seed=1, name="NA"),
            SimulatedCharger("eu", scenario="charging", seed=2, name="EU")]
    async with HubRig(sims, proxies=False) as rig:
        await rig.wait_for(lambda: all(s.vitals and s.wifi for s in rig.engine.states.values()),
                           10, "both chargers answered")
        async with httpx.AsyncClient(base_url=rig.url) as http:
            text = (await http.get("/metrics")).text
    exported = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )", text, re.M))
    exprs = _exprs(dashboard)
    assert len(exprs) >= 10
    used = set().union(*(_metric_names(e) for e in exprs))
    assert used, exprs
    assert used <= exported, sorted(used - exported)
    for e in exprs:  # every series is per charger, and the row repeats by charger
        if "label_values" not in e:
            assert 'charger="$charger"' in e, e
    rows = [p for p in dashboard["panels"] if p["type"] == "row"]
    assert rows and rows[0]["repeat"] == "charger"
    titles = " ".join(p["title"] for p in dashboard["panels"]).lower()
    for what in ("power", "current", "temperatures", "grid", "session energy", "online"):
        assert what in titles, what


def test_telegraf_and_prometheus_snippets_scrape_the_hub() -> None:
    telegraf = tomllib.loads((RECIPES / "telegraf.conf").read_text())
    assert telegraf["inputs"]["prometheus"][0]["urls"][0].endswith("/metrics")
    prom = (RECIPES / "prometheus.yml").read_text()
    assert "metrics_path: /metrics" in prom and "job_name: twc-tui" in prom
