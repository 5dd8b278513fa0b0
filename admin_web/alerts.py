"""What is wrong now, computed from the same reading the dashboard shows."""

from __future__ import annotations

from admin_web.schemas import Alert, LowStockRead, MetricsReading

ERROR_RATIO_LIMIT = 0.05
P95_LIMIT_S = 0.5


def current_alerts(reading: MetricsReading, *, low_stock: list[LowStockRead] | None) -> list[Alert]:
    """Critical first: services down, then error ratio and latency, then low stock."""
    alerts: list[Alert] = []
    if not reading.source_ok:
        alerts.append(
            Alert(severity="warning", subject=reading.source, text="metrics source unreachable: no data")
        )
    for service in reading.services:
        if service.up is False:
            alerts.append(Alert(severity="critical", subject=service.name, text="service down"))
            continue
        if service.error_ratio is not None and service.error_ratio > ERROR_RATIO_LIMIT:
            alerts.append(
                Alert(
                    severity="critical",
                    subject=service.name,
                    text=f"5xx ratio {service.error_ratio:.1%} over {ERROR_RATIO_LIMIT:.0%}",
                )
            )
        if service.p95_s is not None and service.p95_s > P95_LIMIT_S:
            alerts.append(
                Alert(
                    severity="warning",
                    subject=service.name,
                    text=f"p95 latency {service.p95_s * 1000:.0f} ms over {P95_LIMIT_S * 1000:.0f} ms",
                )
            )
    count = reading.business.low_stock_count
    if count is None and low_stock is not None:
        count = len(low_stock)
    if count:
        alerts.append(
            Alert(
                severity="warning", subject="inventory", text=f"{count} stock rows at or below reorder point"
            )
        )
    return alerts
