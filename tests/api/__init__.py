"""The HTTP service: routes, errors, OpenAPI and /docs, health, metrics, logs, settings, shutdown."""
