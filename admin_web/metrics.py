"""The admin's own metrics: how hard it polls the services, how many browsers it feeds."""

from prometheus_client import Counter, Gauge

SOURCE_REQUESTS = Counter(
    "admin_metric_source_requests_total", "Requests the poller sent to metric sources.", ["source"]
)
POLLS = Counter("admin_polls_total", "Dashboard polls by outcome.", ["outcome"])
SSE_CLIENTS = Gauge("admin_sse_clients", "Browsers connected to the live dashboard stream.")
LOGINS = Counter("admin_logins_total", "Login attempts by result.", ["result"])
