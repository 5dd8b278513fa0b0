"""admin_web: operators' live dashboards (SSE), inventory and order operations behind a login."""
