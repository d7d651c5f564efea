"""Requests the test client cannot make: from another loopback address (a proxy's), or as raw bytes on the wire.

Every address of 127.0.0.0/8 is this machine, so a test can connect from 127.0.0.2 and play a
reverse proxy in front of the service on 127.0.0.1 without leaving the machine. Raw requests carry
what an HTTP client refuses to send: a header byte that is not UTF-8, a control character in a path.
"""

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient

# The address a test's reverse proxy connects from (any of 127.0.0.0/8 but the server's own would do).
PROXY_ADDRESS = "127.0.0.2"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def request_from(
    client: TestClient, source: str, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> Answer:
    """`method path` sent to the test client's server from the local address `source`."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.request(method, client.make_url(path), headers=headers) as response,
    ):
        return Answer(response.status, dict(response.headers), await response.read())


async def raw_request(client: TestClient, head: bytes) -> Answer:
    """Send `head` (a request line and headers, without the blank line) as it is; the answer, read to its end."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(head + b"\r\nConnection: close\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
    head_part, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head_part.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return Answer(int(status_line.split()[1]), headers, body)


async def echo_client(request: web.Request) -> web.Response:
    """A route a test adds to the app: the client as every handler sees it after the edge's middlewares."""
    return web.json_response(
        {"remote": request.remote, "scheme": request.scheme, "secure": request.secure, "host": request.host}
    )
