"""`rewards-service`: read the settings, configure logging, serve."""

import logging
import sys

from aiohttp import web

from service.http.app import init_app
from service.logging_setup import configure_logging
from service.settings import ConfigError, Settings


def main() -> None:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"rewards-service: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings)
    logging.getLogger(__name__).info(
        "Starting rewards-service on http://%s:%s (database %s)",
        settings.host,
        settings.port,
        settings.masked_mongodb_url,
    )
    # On SIGTERM/SIGINT aiohttp stops listening, waits up to shutdown_timeout for in-flight
    # requests, then runs the cleanup_ctx (background tasks, database client) and returns.
    # access_log=None: the access-log middleware writes one richer line per request instead.
    web.run_app(
        init_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=settings.shutdown_grace_seconds,
    )
    logging.getLogger(__name__).info("rewards-service stopped")


if __name__ == "__main__":
    main()
