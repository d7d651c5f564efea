# rewards-service: slim Python 3.11, installed as `make install` does but without the embedded database,
# run as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    REWARDS_HOST=0.0.0.0 \
    REWARDS_PORT=8080

WORKDIR /app
COPY pyproject.toml setup.py README.md ./
COPY client client
COPY documents documents
COPY service service
COPY scripts scripts
COPY catalog catalog

# The same venv path and install line as the Makefile's install target, less its `embedded` extra
# (tests/tools/test_deployment.py checks both, and runs this line): the container runs what `make run`
# runs, on a real MongoDB only, and refuses to start without MONGODB_URL. Installed as root and owned
# by root: the service user can read the code but not change it.
RUN python -m venv .venv \
    && .venv/bin/pip install --quiet --disable-pip-version-check -e ./client -e . \
    && useradd --system --uid 10001 --no-create-home rewards

USER rewards
EXPOSE 8080

# No curl in the slim image: a standard-library probe of GET /health/live (liveness: a database
# outage never makes the container unhealthy; readiness is GET /health, see docs/operations.md).
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-m", "service.healthcheck"]

# Exec form: the service is PID 1 and receives SIGTERM itself (graceful shutdown).
CMD ["rewards-service"]
