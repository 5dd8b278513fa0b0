"""Two metric sources behind one interface: PromQL over Prometheus, or scraping `/metrics`.

Both answer `read()` with a `MetricsReading` holding the same figures, computed the same way:
per-second request rates and 5xx ratios over the last minute, p50/p95/p99 from the latency
histogram's bucket rates (`histogram_quantile`), in-flight gauges, up/down, and business
rates per minute. Neither raises for a dead service or a dead Prometheus: the figures become
None ("no data") and `source_ok`/`up` say why.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Mapping
from typing import Protocol

import httpx
from loguru import logger

from admin_web import series
from admin_web.metrics import SOURCE_REQUESTS
from admin_web.schemas import Business, MetricsReading, ServiceStats

RATE_WINDOW_S = 60.0
QUANTILES = (0.5, 0.95, 0.99)


class MetricSource(Protocol):
    name: str

    async def read(self) -> MetricsReading: ...

    async def aclose(self) -> None: ...


class ScrapeSource:
    """Scrape each service's `/metrics` and compute rates from the samples kept in memory."""

    name = "scrape"

    def __init__(
        self, targets: Mapping[str, str], *, timeout_s: float = 1.5, window_s: float = RATE_WINDOW_S
    ):
        self.targets = dict(targets)
        self.window_s = window_s
        self._http = httpx.AsyncClient(timeout=timeout_s)
        # Enough samples for the window at any poll interval down to 0.25 s.
        self._samples: dict[str, deque[series.Sample]] = {
            name: deque(maxlen=int(window_s * 4) + 2) for name in self.targets
        }

    async def _scrape(self, name: str, url: str) -> series.Sample | None:
        SOURCE_REQUESTS.labels(source="scrape").inc()
        try:
            response = await self._http.get(f"{url}/metrics")
            response.raise_for_status()
            return series.flatten(response.text, at=time.time())
        except (httpx.HTTPError, ValueError) as exc:
            logger.bind(target=name, error=type(exc).__name__).debug("scrape failed")
            return None

    def _window(self, name: str, now: float) -> list[series.Sample]:
        return [s for s in self._samples[name] if s.at >= now - self.window_s]

    async def read(self) -> MetricsReading:
        names = list(self.targets)
        scraped = await asyncio.gather(*(self._scrape(n, self.targets[n]) for n in names))
        now = time.time()
        services = []
        orders: dict[str, float] | None = None
        reservations: dict[str, float] | None = None
        low_stock: int | None = None
        for name, sample in zip(names, scraped, strict=True):
            if sample is None:
                # A gap: the rates restart after it rather than spanning a restart blindly.
                self._samples[name].clear()
                services.append(ServiceStats(name=name, up=False))
                continue
            self._samples[name].append(sample)
            window = self._window(name, now)
            buckets = series.bucket_increases(window)
            services.append(
                ServiceStats(
                    name=name,
                    up=True,
                    rps=series.rate(window, series.REQUESTS),
                    p50_s=series.histogram_quantile(0.5, buckets),
                    p95_s=series.histogram_quantile(0.95, buckets),
                    p99_s=series.histogram_quantile(0.99, buckets),
                    error_ratio=series.error_ratio(window),
                    in_flight=sample.values.get(series.IN_FLIGHT),
                )
            )
            if any(k.startswith(series.TRANSITION) or k == series.ORDERS_CREATED for k in sample.values):
                orders = series.per_minute(window, series.TRANSITION)
                created = series.rate(window, series.ORDERS_CREATED)
                if created is not None:
                    orders["created"] = created * 60
            if any(k.startswith(series.RESERVATION) for k in sample.values):
                reservations = series.per_minute(window, series.RESERVATION)
            if series.LOW_STOCK in sample.values:
                low_stock = int(sample.values[series.LOW_STOCK])
        return MetricsReading(
            source=self.name,
            source_ok=True,
            services=services,
            business=Business(
                orders_per_min=orders, reservations_per_min=reservations, low_stock_count=low_stock
            ),
        )

    async def aclose(self) -> None:
        await self._http.aclose()


# PromQL for the same figures; `by (service)` uses the label every service puts on its metrics.
_Q_RPS = "sum by (service) (rate(http_requests_total[1m]))"
_Q_5XX = 'sum by (service) (rate(http_requests_total{status=~"5.."}[1m]))'
_Q_QUANTILE = "histogram_quantile({q}, sum by (service, le) (rate(http_request_duration_seconds_bucket[1m])))"
_Q_IN_FLIGHT = "sum by (service) (http_requests_in_flight)"
_Q_UP = "up"
_Q_ORDERS = "sum by (to_status) (rate(orders_transitions_total[1m])) * 60"
_Q_CREATED = "sum(rate(orders_created_total[1m])) * 60"
_Q_RESERVATIONS = "sum by (result) (rate(inventory_reservations_total[1m])) * 60"
_Q_LOW_STOCK = "sum(inventory_low_stock_items)"


class PrometheusUnavailable(Exception):
    """Prometheus did not answer, or answered with an error."""


class PrometheusSource:
    """Ask Prometheus (instant queries over its HTTP API) for the dashboard figures."""

    name = "prometheus"

    def __init__(self, url: str, *, services: list[str], timeout_s: float = 1.5):
        self.url = url.rstrip("/")
        self.services = services
        self._http = httpx.AsyncClient(timeout=timeout_s)

    async def query(self, promql: str) -> list[tuple[dict[str, str], float]]:
        """Run an instant query; return (labels, value) pairs, dropping NaN values."""
        SOURCE_REQUESTS.labels(source="prometheus").inc()
        try:
            response = await self._http.get(f"{self.url}/api/v1/query", params={"query": promql})
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PrometheusUnavailable(type(exc).__name__) from exc
        if response.status_code != 200 or body.get("status") != "success":
            raise PrometheusUnavailable(str(body.get("error", response.status_code)))
        out = []
        for item in body["data"]["result"]:
            value = float(item["value"][1])
            if value == value:  # NaN means "no observations": no data, not zero.
                out.append((item["metric"], value))
        return out

    def _by(self, rows: list[tuple[dict[str, str], float]], label: str) -> dict[str, float]:
        return {labels.get(label, ""): value for labels, value in rows}

    def _up(self, rows: list[tuple[dict[str, str], float]]) -> dict[str, bool]:
        """Match `up` series to services by their `service` label, else by job name."""
        state: dict[str, bool] = {}
        for labels, value in rows:
            for name in self.services:
                job = labels.get("job", "")
                if labels.get("service") == name or job == name or job.startswith(f"{name}-"):
                    state[name] = state.get(name, False) or value == 1
        return state

    async def read(self) -> MetricsReading:
        queries = [_Q_RPS, _Q_5XX, *(_Q_QUANTILE.format(q=q) for q in QUANTILES), _Q_IN_FLIGHT, _Q_UP]
        queries += [_Q_ORDERS, _Q_CREATED, _Q_RESERVATIONS, _Q_LOW_STOCK]
        try:
            results = await asyncio.gather(*(self.query(q) for q in queries))
        except PrometheusUnavailable as exc:
            logger.bind(error=str(exc)).warning("prometheus unavailable")
            return MetricsReading(
                source=self.name,
                source_ok=False,
                services=[ServiceStats(name=n) for n in self.services],
                business=Business(),
            )
        rps, errors, p50, p95, p99, in_flight, up_rows, orders, created, reservations, low = results
        rps_by, err_by = self._by(rps, "service"), self._by(errors, "service")
        p50_by, p95_by, p99_by = self._by(p50, "service"), self._by(p95, "service"), self._by(p99, "service")
        in_flight_by, up = self._by(in_flight, "service"), self._up(up_rows)
        services = []
        for name in self.services:
            total = rps_by.get(name)
            services.append(
                ServiceStats(
                    name=name,
                    up=up.get(name),
                    rps=total,
                    p50_s=p50_by.get(name),
                    p95_s=p95_by.get(name),
                    p99_s=p99_by.get(name),
                    error_ratio=(err_by.get(name, 0.0) / total) if total else None,
                    in_flight=in_flight_by.get(name),
                )
            )
        orders_per_min = self._by(orders, "to_status") if orders or created else None
        if orders_per_min is not None and created:
            orders_per_min["created"] = created[0][1]
        return MetricsReading(
            source=self.name,
            source_ok=True,
            services=services,
            business=Business(
                orders_per_min=orders_per_min,
                reservations_per_min=self._by(reservations, "result") if reservations else None,
                low_stock_count=int(low[0][1]) if low else None,
            ),
        )

    async def aclose(self) -> None:
        await self._http.aclose()


def make_source(*, prometheus_url: str, targets: Mapping[str, str]) -> MetricSource:
    """PromQL when a Prometheus URL is configured, otherwise direct scraping."""
    if prometheus_url:
        return PrometheusSource(prometheus_url, services=list(targets))
    return ScrapeSource(targets)
