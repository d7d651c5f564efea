"""The API at a glance: every endpoint, its role, inputs and outputs."""

from service.http.handlers import health, metrics
from service.http.routes import Route

ROUTES: list[Route] = [
    Route(
        "GET",
        "/health",
        health.health,
        "Liveness and database readiness",
        role=None,
        response=health.HealthResponse,
        errors=((503, "database_unavailable"),),
        tags=("service",),
    ),
    Route(
        "GET",
        "/metrics",
        metrics.metrics,
        "Prometheus metrics (text exposition format)",
        role=None,
        tags=("service",),
    ),
]
