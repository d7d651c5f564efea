"""How the service reports on itself: log lines (text or JSON, with request ids) and Prometheus metrics."""
