"""`python -m service.healthcheck [--ready]`: exit 0 when the local service answers its probe with 200.

By default the liveness probe (`GET /health/live`): the container's health check, which decides
restarts, so it must stay healthy while the database is away. `--ready` asks the readiness probe
(`GET /health`) instead, which also needs the database: for a readiness check or a dependent that
waits until the service can serve. python:3.11-slim has no curl, so this uses the standard library
only and imports nothing else from the service (it must stay cheap to run every few seconds).
"""

import os
import sys
import urllib.error
import urllib.request

LIVENESS_PATH = "/health/live"
READINESS_PATH = "/health"


def healthy(port: int, timeout: float = 3.0, path: str = LIVENESS_PATH) -> bool:
    """Whether http://127.0.0.1:PORT{path} answers 200 within the timeout (readiness answers within 2 s)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):  # refused, timed out, or an HTTP error status (503)
        return False


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = READINESS_PATH if "--ready" in args else LIVENESS_PATH
    raise SystemExit(0 if healthy(int(os.environ.get("REWARDS_PORT") or 8080), path=path) else 1)


if __name__ == "__main__":
    main()
