"""Read grafana/: dashboards, their panels' queries, and Grafana's variable substitution."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "grafana"
DASHBOARD_FILES = sorted((GRAFANA / "dashboards").glob("*.json"))
DATASOURCES = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "datasources.yaml").read_text())
PROVIDERS = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "dashboards.yaml").read_text())
PROMETHEUS_UID = "autoforge-prometheus"
LOKI_UID = "autoforge-loki"

# What Grafana puts in place of its built-in variables at a 15s scrape interval, and of the
# dashboards' own variables at their defaults. `$__auto` (Loki) is the step Grafana picks.
GRAFANA_BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__auto": "1m", "__range": "1h"}
VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]")


@dataclass(frozen=True)
class Query:
    dashboard: str
    panel: str
    ref_id: str
    datasource_uid: str
    expr: str

    @property
    def id(self) -> str:
        return f"{self.dashboard}:{self.panel}:{self.ref_id}"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def dashboards() -> list[dict[str, Any]]:
    return [load(path) for path in DASHBOARD_FILES]


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def queries(datasource_uid: str | None = None) -> list[Query]:
    found = []
    for dashboard in dashboards():
        for panel in panels(dashboard):
            for target in panel["targets"]:
                uid = target.get("datasource", panel["datasource"])["uid"]
                if datasource_uid is None or uid == datasource_uid:
                    found.append(
                        Query(dashboard["uid"], panel["title"], target["refId"], uid, target["expr"])
                    )
    return found


def defaults(dashboard_uid: str) -> dict[str, str]:
    (dashboard,) = [d for d in dashboards() if d["uid"] == dashboard_uid]
    values = {}
    for variable in dashboard["templating"]["list"]:
        value = variable.get("current", {}).get("value", "")
        if value == "$__all":
            value = variable.get("allValue", ".*")
        values[variable["name"]] = value
    return values


def substitute(query: Query) -> str:
    """The query as Grafana sends it with every variable at its default value."""
    values = GRAFANA_BUILTINS | defaults(query.dashboard)

    def replace(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        if name not in values:
            raise KeyError(f"{query.id}: ${name} is neither a dashboard variable nor a Grafana built-in")
        return values[name]

    return VARIABLE.sub(replace, query.expr)
