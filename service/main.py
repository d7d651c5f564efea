"""`rewards-service`: read the settings, configure logging, serve."""

import asyncio
import logging
import sys

from service.db.availability import DatabaseUnreachable
from service.http.app import init_app
from service.http.server import serve
from service.observability.logs import configure_logging
from service.settings import ConfigError, Settings


def main() -> None:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"rewards-service: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings)
    log = logging.getLogger(__name__)
    log.info(
        "Starting rewards-service on http://%s:%s (database %s)",
        settings.host,
        settings.port,
        settings.masked_mongodb_url,
    )
    try:
        # Returns after SIGTERM/SIGINT once in-flight requests finished and resources closed: exit 0.
        asyncio.run(serve(init_app(settings)))
    except DatabaseUnreachable as error:
        # Exit 1, not a retry loop of our own: the orchestrator restarts the service, with its backoff, and shows it.
        log.critical("Cannot start: %s; exiting with status 1", error)
        raise SystemExit(1) from None
    log.info("rewards-service stopped")


if __name__ == "__main__":
    main()
