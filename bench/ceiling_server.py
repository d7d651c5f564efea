"""The benchmark's ceiling: the smallest aiohttp JSON handler, served the way the service is.

`rewards-bench` starts it in its own process on the same machine; what it answers per second
under the same load generator is the most any aiohttp endpoint can answer there.
"""

import argparse

from aiohttp import web


async def hello(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A trivial aiohttp JSON server (the benchmark's ceiling).")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    app = web.Application()
    app.router.add_get("/", hello)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
