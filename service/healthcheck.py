"""`python -m service.healthcheck`: exit 0 when the local service answers GET /health with 200.

The container healthcheck: python:3.11-slim has no curl, so this uses the standard library only
and imports nothing else from the service (it must stay cheap to run every few seconds).
"""

import os
import urllib.error
import urllib.request


def healthy(port: int, timeout: float = 3.0) -> bool:
    """Whether http://127.0.0.1:PORT/health answers 200 within the timeout."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):  # refused, timed out, or an HTTP error status (503)
        return False


def main() -> None:
    raise SystemExit(0 if healthy(int(os.environ.get("REWARDS_PORT") or 8080)) else 1)


if __name__ == "__main__":
    main()
