"""A TCP proxy that tests put between a client and a server to make the server fail the way real outages look.

`cut()` is a crashed server or a lost host: open connections are reset and new ones refused. `hang()` is an
overloaded server or a network partition: the client's bytes still reach the server (so a write may be
applied) but nothing comes back. `heal()` forwards normally again, on the same port.

The proxy runs its own event loop in a daemon thread, so it keeps forwarding while the test's thread blocks
(a synchronous driver call, `running_service`'s start-up polling). Control methods are called from the test's
thread and return once the new mode is in force.
"""

import asyncio
import enum
import socket
import struct
import threading
from collections.abc import Coroutine
from typing import Any, Self
from urllib.parse import urlsplit

__all__ = ["FaultProxy", "Mode"]

CONTROL_TIMEOUT_SECONDS = 10.0
UPSTREAM_CONNECT_TIMEOUT_SECONDS = 10.0
_CHUNK = 64 * 1024
# l_onoff=1, l_linger=0: close() sends RST instead of FIN, as a crashed peer's kernel would.
_RESET_ON_CLOSE = struct.pack("ii", 1, 0)


class Mode(enum.Enum):
    """What the proxy does with connections: see `FaultProxy.heal`, `hang` and `cut`."""

    FORWARD = "forward"
    HANG = "hang"
    CUT = "cut"


class _Link:
    """One accepted client connection, its upstream connection, and the tasks forwarding between them."""

    def __init__(self, client: socket.socket) -> None:
        self.client = client
        self.upstream: socket.socket | None = None
        self.tasks: list[asyncio.Task[None]] = []  # the one serving it, then one for each direction
        self.dropped = 0  # server bytes the client never got: its stream is broken
        self.reset = False

    def close(self) -> None:
        if self.reset and self.client.fileno() != -1:
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
        self.client.close()
        if self.upstream is not None:
            self.upstream.close()


class FaultProxy:
    """Forwards TCP from a loopback port of its own (IPv4) to `upstream`, until told to cut or hang."""

    def __init__(self, upstream_host: str, upstream_port: int, *, upstream_url: str | None = None) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._upstream_url = upstream_url
        self.port = 0
        self.mode = Mode.FORWARD
        self.accepted = 0  # client connections accepted so far
        self.dropped_bytes = 0  # bytes from the server read and thrown away while hanging
        # Made by `start`, so that a proxy never started holds no loop to close.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None  # listening, or (cut) only bound, to keep the port ours
        self._listening = False
        self._links: set[_Link] = set()

    @classmethod
    def in_front_of(cls, url: str) -> "FaultProxy":
        """A proxy in front of the server of a single-host mongodb:// URL, whose `url` keeps its path and query."""
        parts = urlsplit(url)
        if parts.scheme != "mongodb" or parts.hostname is None or "," in parts.netloc:
            raise ValueError(f"a proxy needs a single-host mongodb:// URL, not {parts.scheme}://…")
        return cls(parts.hostname, parts.port or 27017, upstream_url=url)

    @property
    def url(self) -> str:
        """A mongodb:// URL through the proxy.

        It sets directConnection: the server names itself in `hosts`, and a driver discovering the replica set
        would connect there directly, around the proxy.
        """
        if self._upstream_url is None:
            return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"
        parts = urlsplit(self._upstream_url)
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@127.0.0.1:{self.port}" if userinfo else f"127.0.0.1:{self.port}"
        query = "&".join(p for p in parts.query.split("&") if p and not p.lower().startswith("directconnection="))
        query = f"{query}&directConnection=true" if query else "directConnection=true"
        return f"mongodb://{netloc}{parts.path or '/'}?{query}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the loop's thread and listen on a free loopback port."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, args=(self._loop,), name="fault-proxy", daemon=True)
        self._thread.start()
        try:
            self._control(self._enter(Mode.FORWARD))
        except BaseException:
            self._stop_loop()
            raise

    def stop(self) -> None:
        """Close every connection and the listening socket, then stop and join the loop's thread."""
        if self._loop is None or self._thread is None or not self._thread.is_alive():
            return
        try:
            self._control(self._shut_down())
        finally:
            self._stop_loop()

    def cut(self) -> None:
        """Reset every open connection and refuse new ones."""
        self._control(self._enter(Mode.CUT))

    def hang(self) -> None:
        """Keep connections open and accept new ones, forward the client's bytes, drop every byte back.

        Bytes the server sent before the call may still arrive, as bytes already in flight would.
        """
        self._control(self._enter(Mode.HANG))

    def heal(self) -> None:
        """Forward normally again, on the same port; reset the connections that lost bytes while hanging."""
        self._control(self._enter(Mode.FORWARD))

    def _control(self, coroutine: Coroutine[Any, Any, None]) -> None:
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("the proxy is not started")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            future.result(timeout=CONTROL_TIMEOUT_SECONDS)
        except TimeoutError:
            future.cancel()
            raise

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _stop_loop(self) -> None:
        assert self._loop is not None
        assert self._thread is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CONTROL_TIMEOUT_SECONDS)
        if self._thread.is_alive():
            raise RuntimeError(f"the fault proxy's thread did not stop within {CONTROL_TIMEOUT_SECONDS:.0f} s")

    async def _enter(self, mode: Mode) -> None:
        self.mode = mode
        if mode is Mode.CUT:
            self._stop_listening()
        elif not self._listening:
            self._listen()
        if mode is not Mode.HANG:
            await self._close([link for link in self._links if mode is Mode.CUT or link.dropped], reset=True)

    def _listen(self) -> None:
        if self._socket is None:
            self._socket = self._bound_socket()
            self.port = self._socket.getsockname()[1]
        self._socket.listen()
        # A reader callback, not an accepting task: cancelling a task can lose a connection it had just accepted.
        asyncio.get_running_loop().add_reader(self._socket.fileno(), self._accept, self._socket)
        self._listening = True

    def _stop_listening(self) -> None:
        """Close the listening socket, so that connecting is refused, but keep the port bound for `heal`."""
        self._stop_accepting()
        self._socket = self._bound_socket()

    async def _shut_down(self) -> None:
        self._stop_accepting()
        await self._close(list(self._links), reset=False)

    def _stop_accepting(self) -> None:
        """Close the socket; the kernel resets the connections still waiting in its backlog."""
        if self._listening and self._socket is not None:
            asyncio.get_running_loop().remove_reader(self._socket.fileno())
            self._listening = False
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _bound_socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Binds the same port again while the cut connections' TIME_WAIT entries remain.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setblocking(False)
        sock.bind(("127.0.0.1", self.port))
        return sock

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return  # the backlog is empty
            except ConnectionAbortedError:
                continue  # the client gave up before we got to it
            client.setblocking(False)
            self.accepted += 1
            link = _Link(client)
            self._links.add(link)
            link.tasks.append(asyncio.create_task(self._serve(link)))

    async def _serve(self, link: _Link) -> None:
        loop = asyncio.get_running_loop()
        try:
            link.upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            link.upstream.setblocking(False)
            async with asyncio.timeout(UPSTREAM_CONNECT_TIMEOUT_SECONDS):
                await loop.sock_connect(link.upstream, self.upstream)
            directions = [
                asyncio.create_task(self._forward(link.client, link.upstream, None)),
                asyncio.create_task(self._forward(link.upstream, link.client, link)),
            ]
            link.tasks += directions
            try:
                await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for direction in directions:
                    direction.cancel()
                await asyncio.gather(*directions, return_exceptions=True)
        except OSError:
            pass  # the upstream refused or (TimeoutError) did not answer: the client sees its connection close
        finally:
            self._links.discard(link)
            link.close()

    async def _forward(self, source: socket.socket, sink: socket.socket, back_to: _Link | None) -> None:
        """Copy `source` to `sink` until either ends; `back_to` is the link when this is the server's direction."""
        loop = asyncio.get_running_loop()
        try:
            while data := await loop.sock_recv(source, _CHUNK):
                if back_to is not None and self.mode is Mode.HANG:
                    back_to.dropped += len(data)
                    self.dropped_bytes += len(data)
                    continue
                await loop.sock_sendall(sink, data)
        except OSError:
            pass  # a reset on either side ends the link like an end of stream

    async def _close(self, links: list[_Link], *, reset: bool) -> None:
        """End these links, with RST if `reset`, and wait until their tasks have ended and their sockets closed.

        Each direction is cancelled at once, not through the serving task, so not one more byte passes.
        """
        tasks = [task for link in links for task in link.tasks]
        for link in links:
            link.reset = reset
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for link in links:  # a task cancelled before its first step never ran its `finally`
            self._links.discard(link)
            link.close()
