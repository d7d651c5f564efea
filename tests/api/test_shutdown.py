"""Graceful shutdown of the real process: SIGTERM stops listening, finishes accepted requests, exits 0.

The service runs as a subprocess (`python -m service.main`) on a free loopback port with the
embedded database: what is under test is the HTTP server's shutdown, not the driver.
"""

import asyncio
import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.service_process import Service, running_service

BOT_TOKEN = "shutdown-test-bot-token"
ADMIN_TOKEN = "shutdown-test-admin-token"
GRACE_SECONDS = 10
# Generous: the process must exit within the grace period plus start-up noise on a busy machine.
EXIT_TIMEOUT = GRACE_SECONDS + 20


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    """The running service; parametrize it indirectly with a number to change its grace period."""
    grace = getattr(request, "param", GRACE_SECONDS)
    env = {
        "MONGODB_URL": "mongomock://",
        "REWARDS_BOT_TOKEN": BOT_TOKEN,
        "REWARDS_ADMIN_TOKEN": ADMIN_TOKEN,
        "REWARDS_SHUTDOWN_GRACE_SECONDS": str(grace),
    }
    with running_service(env, tmp_path / "service.log") as service:
        yield service


def read_http_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One complete HTTP/1.1 response (status, headers, body by Content-Length); fails on a cut one."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed inside the response head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(body)} of {length} body bytes"
        body += chunk
    return int(status_line.split()[1]), headers, body[:length]


EVENT_BODY = json.dumps({"event_id": "during-shutdown", "type": "daily_gift"}).encode()


def start_upload(port: int, request_id: str) -> socket.socket:
    """A POST whose headers are sent and routed (100 Continue received) but whose body is not."""
    head = (
        f"POST /v1/users/7/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {BOT_TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(EVENT_BODY)}\r\nExpect: 100-continue\r\n"
        f"X-Request-Id: {request_id}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=EXIT_TIMEOUT)
    sock.sendall(head)
    # "100 Continue" is sent once the request is routed: from here on the server is handling it.
    interim = b""
    while b"\r\n\r\n" not in interim:
        chunk = sock.recv(1)
        assert chunk, "connection closed before 100 Continue"
        interim += chunk
    assert interim.startswith(b"HTTP/1.1 100")
    return sock


def stop_and_wait_until_not_listening(service: Service) -> None:
    service.process.send_signal(signal.SIGTERM)
    for _ in range(200):  # bounded: ~10 s
        if refuses_connections(service.port):
            return
        time.sleep(0.05)
    assert refuses_connections(service.port)


def test_sigterm_lets_an_in_flight_request_finish_and_exits_0(service: Service):
    with start_upload(service.port, "in-flight-1") as sock:
        stop_and_wait_until_not_listening(service)

        # Only now does the request body arrive: the handler must still run to completion.
        sock.sendall(EVENT_BODY)
        status, headers, answer = read_http_response(sock)

    assert status == 200, answer
    assert headers["x-request-id"] == "in-flight-1"
    assert json.loads(answer)  # a complete JSON document
    assert service.process.wait(timeout=EXIT_TIMEOUT) == 0
    assert service.access_log()["in-flight-1"]["status"] == 200
    assert any(entry.get("message") == "rewards-service stopped" for entry in service.log_lines())


@pytest.mark.parametrize("service", [1], indirect=True, ids=["grace-1s"])
def test_a_request_still_in_flight_after_the_grace_period_is_cancelled_and_the_process_exits_0(service: Service):
    with start_upload(service.port, "never-finished") as sock:
        stop_and_wait_until_not_listening(service)
        assert service.process.wait(timeout=EXIT_TIMEOUT) == 0
        assert sock.recv(65536) == b""  # closed without an answer: the body never came
    assert service.access_log()["never-finished"]["status"] == 499


async def test_sigterm_during_a_burst_cuts_no_request_the_server_accepted(service: Service):
    url = f"http://127.0.0.1:{service.port}/health"
    first_answer = asyncio.Event()

    async def one(session: aiohttp.ClientSession, request_id: str) -> tuple[int, bytes] | None:
        """(status, body) when answered; None when the connection failed (not accepted, or cut)."""
        try:
            async with session.get(url, headers={"X-Request-Id": request_id}) as response:
                answered = (response.status, await response.read())
        except aiohttp.ClientError:
            return None
        first_answer.set()
        return answered

    # force_close: one connection per request, so SIGTERM lands among connections in every state.
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=EXIT_TIMEOUT)) as session:
        ids = [f"burst-{n}" for n in range(200)]
        tasks = [asyncio.create_task(one(session, request_id)) for request_id in ids]
        await asyncio.wait_for(first_answer.wait(), timeout=EXIT_TIMEOUT)
        service.process.send_signal(signal.SIGTERM)
        results = dict(zip(ids, await asyncio.gather(*tasks), strict=True))

    assert await asyncio.to_thread(service.process.wait, EXIT_TIMEOUT) == 0
    handled = service.access_log()
    burst_handled = {request_id for request_id in handled if request_id.startswith("burst-")}
    assert burst_handled, "no request of the burst reached the server"
    # Every request the server handled reached its caller complete, with the status it logged.
    for request_id in burst_handled:
        answered = results[request_id]
        assert answered is not None, f"{request_id} was handled but its answer never arrived"
        status, body = answered
        assert status == handled[request_id]["status"] == 200
        assert json.loads(body) == {"status": "ok", "database": "ok"}
    # And nothing answered that the server did not log: the access log is complete.
    assert {request_id for request_id, answered in results.items() if answered is not None} == burst_handled
