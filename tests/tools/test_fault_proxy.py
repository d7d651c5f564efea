"""The fault proxy: it forwards, then cuts, hangs and heals the way a crashed, overloaded or recovered server looks.

First against an echo server of the test's own, then (wire pass only) with PyMongo's synchronous client.
"""

import queue
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pymongo
import pytest
from pymongo.errors import ConnectionFailure, NetworkTimeout, PyMongoError, ServerSelectionTimeoutError

from tests.support.environment import REAL_MONGODB_URL, make_settings
from tests.support.fault_proxy import FaultProxy, Mode

# Generous bounds on what must arrive; a short one on what must not (only its absence is asserted).
ARRIVES_WITHIN_SECONDS = 10.0
SILENT_FOR_SECONDS = 0.5


class _EchoServer(socketserver.ThreadingTCPServer):
    """Echoes every byte back, and queues what it received so that a test sees what reached it."""

    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EchoHandler)
        self.received: queue.Queue[bytes] = queue.Queue()


class _EchoHandler(socketserver.BaseRequestHandler):
    server: _EchoServer

    def handle(self) -> None:
        self.request.settimeout(60)  # never outlives a test that forgot a connection
        try:
            while data := self.request.recv(1024):
                self.server.received.put(data)
                self.request.sendall(data)
        except OSError:
            pass  # the proxy reset or dropped the connection: that is what it is for


@dataclass
class Echo:
    address: tuple[str, int]
    received: queue.Queue[bytes]


@pytest.fixture
def echo() -> Iterator[Echo]:
    server = _EchoServer()
    # A short poll interval: `shutdown` waits for one, at every teardown.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="echo-server", daemon=True)
    thread.start()
    try:
        yield Echo(server.socket.getsockname()[:2], server.received)
    finally:
        server.shutdown()
        server.server_close()  # joins the handlers' threads
        thread.join(timeout=ARRIVES_WITHIN_SECONDS)


@pytest.fixture
def proxy(echo: Echo) -> Iterator[FaultProxy]:
    with FaultProxy(*echo.address) as proxy:
        yield proxy


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=ARRIVES_WITHIN_SECONDS)


def exchange(client: socket.socket, data: bytes) -> bytes:
    """Send `data` and read as many bytes back (fewer if the stream ends)."""
    client.sendall(data)
    answer = b""
    while len(answer) < len(data) and (chunk := client.recv(len(data) - len(answer))):
        answer += chunk
    return answer


def eventually(condition: Callable[[], bool], within: float = ARRIVES_WITHIN_SECONDS) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_bytes_pass_through_both_ways(proxy: FaultProxy, echo: Echo) -> None:
    with connect(proxy.port) as client:
        assert exchange(client, b"hello") == b"hello"
    assert echo.received.get(timeout=ARRIVES_WITHIN_SECONDS) == b"hello"
    assert (proxy.mode, proxy.accepted, proxy.dropped_bytes) == (Mode.FORWARD, 1, 0)


def test_cut_resets_open_connections(proxy: FaultProxy) -> None:
    with connect(proxy.port) as client:
        assert exchange(client, b"before") == b"before"
        proxy.cut()
        with pytest.raises(ConnectionResetError):
            client.recv(1)
    assert proxy.mode is Mode.CUT


def test_cut_refuses_new_connections(proxy: FaultProxy) -> None:
    proxy.cut()
    with pytest.raises(ConnectionRefusedError):
        connect(proxy.port).close()


def test_hang_forwards_the_clients_bytes_but_nothing_comes_back(proxy: FaultProxy, echo: Echo) -> None:
    with connect(proxy.port) as client:
        assert exchange(client, b"before") == b"before"
        echo.received.get(timeout=ARRIVES_WITHIN_SECONDS)
        proxy.hang()

        client.sendall(b"write")

        assert echo.received.get(timeout=ARRIVES_WITHIN_SECONDS) == b"write"
        assert eventually(lambda: proxy.dropped_bytes == len(b"write"))  # the echo came back, and was dropped
        client.settimeout(SILENT_FOR_SECONDS)
        with pytest.raises(TimeoutError):
            client.recv(1)


def test_hang_still_accepts_new_connections_and_forwards_what_they_send(proxy: FaultProxy, echo: Echo) -> None:
    proxy.hang()
    with connect(proxy.port) as client:
        client.sendall(b"hello")
        assert echo.received.get(timeout=ARRIVES_WITHIN_SECONDS) == b"hello"
    assert proxy.accepted == 1


def test_heal_resets_the_connections_that_lost_bytes_and_keeps_the_others(proxy: FaultProxy, echo: Echo) -> None:
    with connect(proxy.port) as hung, connect(proxy.port) as idle:
        assert exchange(idle, b"idle") == b"idle"
        proxy.hang()
        hung.sendall(b"lost")
        assert eventually(lambda: proxy.dropped_bytes == len(b"lost"))

        proxy.heal()

        with pytest.raises(ConnectionResetError):
            hung.recv(1)
        assert exchange(idle, b"still") == b"still"
    with connect(proxy.port) as fresh:
        assert exchange(fresh, b"fresh") == b"fresh"
    assert proxy.mode is Mode.FORWARD


def test_heal_after_a_cut_listens_again_on_the_same_port(proxy: FaultProxy) -> None:
    port = proxy.port
    with connect(port) as client:
        proxy.cut()
        with pytest.raises(ConnectionResetError):
            client.recv(1)

    proxy.heal()

    with connect(port) as client:
        assert exchange(client, b"again") == b"again"
    assert proxy.port == port


def test_stop_closes_every_connection_and_the_port(echo: Echo) -> None:
    with FaultProxy(*echo.address) as proxy, connect(proxy.port) as client:
        assert exchange(client, b"open") == b"open"
        proxy.stop()
        assert client.recv(1) == b""
        with pytest.raises(ConnectionRefusedError):
            connect(proxy.port).close()


def test_url_keeps_the_upstream_credentials_path_and_query_and_connects_directly() -> None:
    with FaultProxy.in_front_of("mongodb://user:secret@db.internal:27018/rewards?tls=false") as proxy:
        assert proxy.upstream == ("db.internal", 27018)
        assert proxy.url == f"mongodb://user:secret@127.0.0.1:{proxy.port}/rewards?tls=false&directConnection=true"


# ---- PyMongo through the proxy, on a real wire server ----

needs_wire_server = pytest.mark.skipif(not REAL_MONGODB_URL, reason="needs a MongoDB wire server (set MONGODB_URL)")


@pytest.fixture
def mongo_proxy() -> Iterator[FaultProxy]:
    assert REAL_MONGODB_URL
    with FaultProxy.in_front_of(REAL_MONGODB_URL) as proxy:
        yield proxy


@pytest.fixture
def client(mongo_proxy: FaultProxy) -> Iterator[pymongo.MongoClient]:
    """A connected client: the faults below hit a pool and a monitor that already know the server."""
    with pymongo.MongoClient[dict[str, Any]](
        mongo_proxy.url, serverSelectionTimeoutMS=1000, connectTimeoutMS=2000
    ) as client:
        client.admin.command("ping")
        yield client


def pings_again(client: pymongo.MongoClient, attempts: int = 10) -> bool:
    """Whether a ping succeeds within `attempts` tries: the monitor needs a moment to see the server back."""
    for _ in range(attempts):
        try:
            client.admin.command("ping")
            return True
        except ConnectionFailure:
            time.sleep(0.2)
    return False


@needs_wire_server
def test_pymongo_reaches_the_server_only_through_the_proxy(
    mongo_proxy: FaultProxy, client: pymongo.MongoClient
) -> None:
    assert client.admin.command("ping")["ok"] == 1
    assert mongo_proxy.accepted >= 2  # the monitor's connection and the pool's
    # The server names its own address in `hosts`; directConnection keeps the driver from going there instead.
    assert list(client.topology_description.server_descriptions()) == [("127.0.0.1", mongo_proxy.port)]


@needs_wire_server
def test_a_ping_during_a_hang_times_out(mongo_proxy: FaultProxy, client: pymongo.MongoClient) -> None:
    mongo_proxy.hang()
    with pytest.raises(PyMongoError) as raised, pymongo.timeout(1):
        client.admin.command("ping")
    assert raised.value.timeout
    assert isinstance(raised.value, (NetworkTimeout, ServerSelectionTimeoutError))


@needs_wire_server
def test_a_ping_during_a_cut_fails_to_connect(mongo_proxy: FaultProxy, client: pymongo.MongoClient) -> None:
    mongo_proxy.cut()
    with pytest.raises(ConnectionFailure):
        client.admin.command("ping")  # the pooled connection was reset
    with pytest.raises(ConnectionFailure):
        client.admin.command("ping")  # and a new one is refused until server selection gives up


@needs_wire_server
def test_a_write_during_a_hang_is_applied_though_the_client_never_hears(
    mongo_proxy: FaultProxy, client: pymongo.MongoClient
) -> None:
    collection = client[make_settings().mongodb_db]["writes"]  # a name the session's clean-up drops
    key = uuid.uuid4().hex
    mongo_proxy.hang()
    with pytest.raises(PyMongoError) as raised, pymongo.timeout(1):
        collection.insert_one({"_id": key})
    assert raised.value.timeout

    mongo_proxy.heal()

    assert pings_again(client)
    assert eventually(lambda: collection.find_one({"_id": key}) is not None)


@needs_wire_server
@pytest.mark.parametrize("fault", ["cut", "hang"])
def test_the_same_client_pings_again_after_heal(
    mongo_proxy: FaultProxy, client: pymongo.MongoClient, fault: str
) -> None:
    getattr(mongo_proxy, fault)()
    with pytest.raises(PyMongoError), pymongo.timeout(1):
        client.admin.command("ping")

    mongo_proxy.heal()

    assert pings_again(client)
