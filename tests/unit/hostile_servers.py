"""A student's app as an attacker writes it: HTTP servers on 127.0.0.x (a free port each) that
redirect, trickle, flood or bomb, each recording what reached it — and the student's DNS.

Every server stops when its `with` block ends; every loop in an answer ends by itself (a byte
count, the stop event, or the client going away), and a handler gives up a blocked write after
HANDLER_TIMEOUT. `connections()` records every socket connect this process makes (an audit hook),
so a test can prove where a request went and where it did not.
"""

from __future__ import annotations

import contextlib
import http.server
import random
import socket
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

HANDLER_TIMEOUT = 5.0
CHUNK = 64 * 1024
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/grader-role"


@dataclass
class Seen:
    """One request a server received."""

    method: str
    path: str
    headers: dict[str, str]


Answer = Callable[["_Handler", "Server"], None]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer
    timeout = HANDLER_TIMEOUT  # a write the client never reads gives up

    def _any(self) -> None:
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(Seen(self.command, self.path, dict(self.headers.items())))
        with contextlib.suppress(OSError):  # the client went away: what a bounded reader does
            owner.answer(self, owner)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _any

    def log_message(self, *args) -> None:
        pass


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    owner: Server


@dataclass
class Server:
    """An HTTP server on a 127.0.0.x address of its own and a free port."""

    answer: Answer
    host: str = field(default_factory=lambda: loopback_address())
    requests: list[Seen] = field(default_factory=list)
    sent: int = 0  # body bytes the answer managed to write
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._server = _HTTPServer((self.host, 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self.url = f"http://{self.host}:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                         daemon=True)

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(HANDLER_TIMEOUT)

    def wrote(self, handler: _Handler, data: bytes) -> None:
        handler.wfile.write(data)
        handler.wfile.flush()
        with self.lock:
            self.sent += len(data)


def loopback_address() -> str:
    """A random 127.0.0.0/8 address other than 127.0.0.1 (whatever else runs there)."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


# --- answers ----------------------------------------------------------------------------------------

def ok(body: bytes | str = b"<h1>PHP app</h1> version 3f2c9a1") -> Answer:
    data = body.encode() if isinstance(body, str) else body

    def answer(handler: _Handler, server: Server) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        server.wrote(handler, data)
    return answer


def redirect(location: str, status: int = 302) -> Answer:
    def answer(handler: _Handler, server: Server) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return answer


def redirect_chain(hops: int = 50) -> Answer:
    """Each answer redirects to the next path of the same server: /0 → /1 → … (for a reader that
    follows redirects)."""
    def answer(handler: _Handler, server: Server) -> None:
        step = int(handler.path.strip("/") or 0)
        if step >= hops:
            return ok("the end of the chain")(handler, server)
        return redirect(f"{server.url}{step + 1}")(handler, server)
    return answer


def huge(size: int = 256 << 20) -> Answer:
    """`size` bytes with their Content-Length, made as they are written."""
    def answer(handler: _Handler, server: Server) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        chunk = b"A" * CHUNK
        for start in range(0, size, CHUNK):
            if server.stop.is_set():
                return
            server.wrote(handler, chunk[:size - start])
    return answer


@cache
def gzip_of_zeros(decoded: int) -> bytes:
    """A gzip member of `decoded` zero bytes (256 MiB compress to about 255 KiB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    parts = [packer.compress(zeros) for _ in range(decoded >> 20)]
    return b"".join([*parts, packer.compress(bytes(decoded & ((1 << 20) - 1))), packer.flush()])


def gzip_bomb(decoded: int = 256 << 20) -> Answer:
    def answer(handler: _Handler, server: Server) -> None:
        data = gzip_of_zeros(decoded)
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        server.wrote(handler, data)
    return answer


def trickled_body(gap: float = 1.0, length: int = 60) -> Answer:
    """A body of `length` bytes, one byte every `gap` seconds."""
    def answer(handler: _Handler, server: Server) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        handler.wfile.flush()
        for _ in range(length):
            if server.stop.wait(gap):
                return
            server.wrote(handler, b"a")
    return answer


def trickled_headers(gap: float = 1.0, length: int = 60) -> Answer:
    """A status line, then a header one byte every `gap` seconds."""
    def answer(handler: _Handler, server: Server) -> None:
        server.wrote(handler, b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(length):
            if server.stop.wait(gap):
                return
            server.wrote(handler, b"a")
    return answer


def chunked(size: int = 256 << 20) -> Answer:
    """`size` bytes in chunks of CHUNK, with no Content-Length (Transfer-Encoding: chunked)."""
    def answer(handler: _Handler, server: Server) -> None:
        server.wrote(handler, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        frame = b"%x\r\n%s\r\n" % (CHUNK, b"C" * CHUNK)
        for _ in range(size // CHUNK):
            if server.stop.is_set():
                return
            server.wrote(handler, frame)
        server.wrote(handler, b"0\r\n\r\n")
    return answer


def header_flood(count: int, size: int = 65_000) -> Answer:
    """`count` headers of `size` bytes each before the body."""
    def answer(handler: _Handler, server: Server) -> None:
        server.wrote(handler, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")
        line = b"X-Flood: " + b"f" * size + b"\r\n"
        for _ in range(count):
            if server.stop.is_set():
                return
            server.wrote(handler, line)
        server.wrote(handler, b"\r\nok")
    return answer


def raw(data: bytes) -> Answer:
    """Exactly these bytes as the answer (headers http.server would refuse to write)."""
    def answer(handler: _Handler, server: Server) -> None:
        server.wrote(handler, data)
    return answer


# --- where requests went ----------------------------------------------------------------------------

_RECORDERS: list[list[tuple]] = []


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect" and _RECORDERS:
        for seen in list(_RECORDERS):
            seen.append(tuple(args[1]) if isinstance(args[1], tuple) else (args[1],))


_hooked = False


@contextlib.contextmanager
def connections() -> Iterator[list[tuple]]:
    """Every (address, port) this process connects a socket to inside the block."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)  # audit hooks cannot be removed; one serves every block
        _hooked = True
    seen: list[tuple] = []
    _RECORDERS.append(seen)
    try:
        yield seen
    finally:
        _RECORDERS.remove(seen)


def fake_dns(monkeypatch, names: dict[str, list[tuple[str, int]]]) -> list[str]:
    """getaddrinfo answers `names` (a student's DNS) with those (address, port) pairs and every
    other name as before; returns the names looked up, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in names:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM,
                 socket.IPPROTO_TCP, "", (address, to) if ":" not in address else (address, to, 0, 0))
                for address, to in names[host]]
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked
