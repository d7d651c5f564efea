"""`rewards-service`: read the settings, configure logging, serve."""

import logging
import sys

from aiohttp import web

from service.http.app import init_app
from service.settings import ConfigError, Settings


def configure_logging(settings: Settings) -> None:
    """Logs go to stdout, one line per record."""
    logging.basicConfig(
        stream=sys.stdout,
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        force=True,
    )


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
    web.run_app(init_app(settings), host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
