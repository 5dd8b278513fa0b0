"""SSE event names, shared by the stream generator and the templates' `sse-swap`."""

SERVICES_PANEL = "services-panel"
BUSINESS_PANEL = "business-panel"
ALERTS_PANEL = "alerts-panel"
LOW_STOCK_PANEL = "low-stock-panel"
CHART_HISTORY = "chart-history"
CHART_POINT = "chart-point"

# The Redis pub/sub channel the poller publishes snapshots on (app.py appends the Redis
# database and key prefix: channels are global to a Redis server).
DASHBOARD_CHANNEL = "autoforge.admin.dashboard"
