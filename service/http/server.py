"""Serving the app until SIGTERM/SIGINT, then draining in-flight requests before cleaning up.

Why not `web.run_app(shutdown_timeout=...)` alone: aiohttp (3.14) marks every connection closed
as soon as shutdown starts and from then on ignores data arriving on it, so a request whose body
is still being uploaded stalls and is cancelled when the timeout runs out (aio-libs/aiohttp#2298).
Here the listening socket closes first and open connections keep working until every request in
flight has finished (or the grace period is over); only then does aiohttp's own shutdown run,
followed by the cleanup_ctx (background tasks, database client).
"""

import asyncio
import logging
import signal

from aiohttp import web

from service.http.keys import IN_FLIGHT, SETTINGS

log = logging.getLogger(__name__)

# What aiohttp's own shutdown may still wait after the drain, for a request that came in on a
# kept-alive connection just as the drain ended. (0 would mean "forever" to aiohttp.)
AFTER_DRAIN_SECONDS = 1.0


async def serve(app: web.Application) -> None:
    """Serve on the configured host and port; return after a graceful stop on SIGTERM or SIGINT."""
    settings = app[SETTINGS]
    # access_log=None: the access-log middleware writes one richer line per request instead.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=AFTER_DRAIN_SECONDS)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        log.info("Listening on http://%s:%s", settings.host, settings.port)
        if settings.admin_console:
            log.info("Admin console on http://%s:%s/admin (sign in with the admin token)", settings.host, settings.port)
        await _stop_requested()
        await site.stop()  # no new connections; open ones keep being served
        in_flight = app[IN_FLIGHT]
        log.info(
            "Stopping: waiting up to %ss for %d in-flight request(s)",
            settings.shutdown_grace_seconds,
            in_flight.count,
        )
        try:
            await asyncio.wait_for(in_flight.wait_idle(), settings.shutdown_grace_seconds)
        except TimeoutError:
            log.warning("Grace period over with %d request(s) still in flight: cancelling them", in_flight.count)
    finally:
        await runner.cleanup()


async def _stop_requested() -> None:
    """Return on the first SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
