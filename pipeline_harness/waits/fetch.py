"""One bounded GET: how the harness reads an app over HTTP (the grader's `app.http`, `wait http`,
the nightly run's HTTP wait), whatever the server does.

- One wall-clock deadline (DEADLINE) for the whole request: resolving the name, connecting, the
  headers and the body. The name is resolved in a thread given what is left of it; once connected,
  a watchdog shuts the socket down at the deadline, so a trickled header or body ends there too.
- The name is resolved once, here; every address it resolves to is checked against the address
  policy before anything connects, and the connection goes to a checked address — there is no
  second resolution (no DNS rebinding between the check and the connect). TLS still verifies the
  name, and the Host header carries it.
- No redirect is followed: a 3xx is the answer, with its Location (requests' Session would read
  a redirect's whole body and parse its Location even when told not to follow it, so the
  adapter is called directly).
- Nothing comes from the environment: no netrc, no proxy, no CA bundle variable.
- `Accept-Encoding: identity`, nothing decoded, at most BODY_CAP bytes of the body read (or the
  caller's cap), and at most HEADER_CAP of the status line and headers (Python's HTTP client alone
  would take 100 lines of 64 KiB and parse them into about 50 MiB).
- Only GET is ever sent: nothing here takes a method.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests
import requests.adapters
import urllib3
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions

from pipeline_harness.core.errors import first_line
from pipeline_harness.waits.addresses import ANY, AddressPolicy

DEADLINE = 10.0  # seconds for one request, from resolving the name to the body's last byte
BODY_CAP = 64 * 1024
HEADER_CAP = 64 * 1024  # the status line and every header, together
SNIPPET = 120  # characters of a body or a Location shown in an observation
HEADERS = {"Accept-Encoding": "identity", "Accept": "*/*", "Connection": "close",
           "User-Agent": "pipeline-harness"}

Resolver = Callable[[str, int], Sequence[tuple[str, int]]]


def system_resolver(host: str, port: int) -> list[tuple[str, int]]:
    """The addresses (address, port) getaddrinfo gives for a TCP connection, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys((str(info[4][0]), int(info[4][1])) for info in infos))


@dataclass(frozen=True)
class Fetched:
    """What one GET brought back, within the bounds; `problem` says why an answer is missing or
    incomplete."""

    url: str
    status: int | None = None  # None: no answer
    body: bytes = b""  # at most `cap` bytes, as served (not decoded)
    cut: bool = False  # the server had more than `cap`; the rest was not read
    location: str | None = None  # a redirect's Location, not followed
    encoding: str | None = None  # a Content-Encoding other than identity, not decoded
    problem: str = ""
    cap: int = BODY_CAP  # the bytes of the body this GET would read

    @property
    def complete(self) -> bool:
        """A status line and headers, and the body up to its end or the cap, within the deadline."""
        return self.status is not None and not self.problem

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def __str__(self) -> str:
        if self.status is None:
            return f"no answer: {self.problem}"
        shown = f"HTTP {self.status}"
        snippet = repr(" ".join(self.text.split())[:SNIPPET])
        if snippet != "''" and self.encoding is None:  # an encoded body is bytes no one can read
            shown += f" {snippet[:2 * SNIPPET]}" + ("…" if len(snippet) > 2 * SNIPPET else "")
        if self.location is not None:
            shown += f", redirect to {self.location[:SNIPPET]!r} not followed"
        if self.encoding is not None:
            shown += f", Content-Encoding {self.encoding[:SNIPPET]!r} not decoded"
        if self.cut:
            shown += f", body cut at {self.cap // 1024} KiB (more was served)"
        if self.problem:
            shown += f", {self.problem}"
        return shown


class _NoAnswer(Exception):
    """Why there is no answer, in one line; raised inside the connection, it passes through
    urllib3 and requests as it is."""


class _Bounds:
    """One request's deadline, resolver and address policy, and the watchdog that enforces them."""

    def __init__(self, deadline: float, addresses: AddressPolicy, resolve: Resolver):
        self.deadline, self.addresses, self.resolve = deadline, addresses, resolve
        self.ends = time.monotonic() + deadline
        self.phase = "resolving the name"
        self.expired = False
        self._lock = threading.Lock()
        self._done = False
        self._watched: socket.socket | None = None  # a duplicate of the connection's socket
        self._timer: threading.Timer | None = None

    def left(self) -> float:
        return self.ends - time.monotonic()

    def over(self) -> bool:
        """The deadline has come: the watchdog shut the socket, or a socket timeout set to what was
        left fired first (they race at the same instant)."""
        return self.expired or self.left() <= 0

    def passed(self) -> str:
        return f"no full answer within the {self.deadline:g} s deadline ({self.phase})"

    def connect(self, host: str, port: int) -> socket.socket:
        """A socket to a checked address of `host`, watched until the deadline."""
        found = self._resolved(host.strip("[]"), port)
        refused = [why for why in (self.addresses.refusal(address) for address, _ in found) if why]
        if refused:
            raise _NoAnswer(f"refused before connecting: {refused[0]} ({self.addresses.name} "
                            f"may be read)")
        self.phase = "connecting"
        sock = self._connected(found)
        self._watch(sock)
        self.phase = "reading the status line and headers"
        return sock

    def _resolved(self, host: str, port: int) -> Sequence[tuple[str, int]]:
        try:
            ipaddress.ip_address(host)
            return [(host, port)]  # an address already: nothing to resolve
        except ValueError:
            pass
        found: list[tuple[str, int]] = []
        failed: list[BaseException] = []

        def resolve() -> None:
            try:
                found.extend(self.resolve(host, port))
            except Exception as err:  # reported below, whatever the resolver raised
                failed.append(err)

        # a daemon thread: a resolver that outlasts the deadline is left to finish on its own
        worker = threading.Thread(target=resolve, name=f"resolve {host[:40]}", daemon=True)
        worker.start()
        worker.join(max(self.left(), 0.0))
        if worker.is_alive():
            self.expired = True
            raise _NoAnswer(self.passed())
        if failed or not found:
            reason = f" ({first_line(failed[0])})" if failed else ""
            raise _NoAnswer(f"{host} does not resolve{reason}")
        return found

    def _connected(self, found: Sequence[tuple[str, int]]) -> socket.socket:
        """The first address that takes the connection, in the resolver's order."""
        errors: list[str] = []
        for address, port in found:
            if self.left() <= 0:
                break
            try:
                return socket.create_connection((address, port), timeout=self.left())
            except TimeoutError:
                errors.append(f"{address} port {port}: no connection within the deadline")
            except OSError as err:
                errors.append(f"{address} port {port}: {err.strerror or first_line(err)}")
        if self.left() <= 0:
            self.expired = True
            raise _NoAnswer(self.passed())
        raise _NoAnswer(f"could not connect ({'; '.join(errors[:3])})")

    def _watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._watched = sock.dup()  # outlives a TLS wrap, which detaches the original
            self._timer = threading.Timer(max(self.left(), 0.0), self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            if self._done or self._watched is None:
                return
            self.expired = True
            with contextlib.suppress(OSError):  # already closed by the peer
                self._watched.shutdown(socket.SHUT_RDWR)  # a blocked read returns at once

    def close(self) -> None:
        with self._lock:
            self._done = True
            if self._timer is not None:
                self._timer.cancel()
            if self._watched is not None:
                self._watched.close()


class _HeaderBudget:
    """The socket's file while the status line and headers are read: HEADER_CAP bytes in all."""

    def __init__(self, fp: Any):
        self._fp, self._left = fp, HEADER_CAP

    def readline(self, limit: int = -1) -> bytes:
        line = self._fp.readline(self._left + 1 if limit < 0 else min(limit, self._left + 1))
        self._left -= len(line)
        if self._left < 0:
            raise http.client.HTTPException(f"the status line and headers exceed {HEADER_CAP // 1024} KiB")
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fp, name)


class _HeadersWithinBudget(http.client.HTTPResponse):
    def begin(self) -> None:
        whole, self.fp = self.fp, _HeaderBudget(self.fp)  # type: ignore[assignment]
        try:
            super().begin()
        finally:
            if isinstance(self.fp, _HeaderBudget):
                self.fp = whole


class _BoundedHTTPConnection(urllib3.connection.HTTPConnection):
    response_class = _HeadersWithinBudget

    def __init__(self, *args: Any, bounds: _Bounds, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.bounds = bounds

    def _new_conn(self) -> socket.socket:
        return self.bounds.connect(self._dns_host, self.port)


class _BoundedHTTPSConnection(urllib3.connection.HTTPSConnection):
    response_class = _HeadersWithinBudget

    def __init__(self, *args: Any, bounds: _Bounds, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.bounds = bounds

    def _new_conn(self) -> socket.socket:  # then wrapped in TLS for the name, not the address
        return self.bounds.connect(self._dns_host, self.port)


_CONNECTIONS: dict[str, type[urllib3.connection.HTTPConnection]] = {
    "http": _BoundedHTTPConnection, "https": _BoundedHTTPSConnection}


class _BoundedPoolManager(urllib3.PoolManager):
    """Pools whose connections resolve, check and connect through one request's bounds."""

    def __init__(self, bounds: _Bounds, **kwargs: Any):
        super().__init__(**kwargs)
        self.bounds = bounds

    def _new_pool(self, scheme: str, host: str, port: int,
                  request_context: dict[str, Any] | None = None) -> urllib3.connectionpool.HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.ConnectionCls = _CONNECTIONS[scheme]  # type: ignore[assignment]
        pool.conn_kw["bounds"] = self.bounds
        return pool


class _BoundedAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, bounds: _Bounds):
        self.bounds = bounds  # init_poolmanager, called by __init__, needs it
        super().__init__(max_retries=0, pool_connections=1, pool_maxsize=1)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False,
                         **pool_kwargs: Any) -> None:
        self._pool_connections, self._pool_maxsize, self._pool_block = connections, maxsize, block
        self.poolmanager = _BoundedPoolManager(self.bounds, num_pools=connections, maxsize=maxsize,
                                               block=block, **pool_kwargs)


def get(url: str, *, addresses: AddressPolicy = ANY, deadline: float = DEADLINE,
        resolve: Resolver = system_resolver, cap: int = BODY_CAP) -> Fetched:
    """GET `url` within the bounds; every way it can go wrong is a Fetched with its `problem`.
    `cap`: the most of the body read (an image's config blob is allowed more than an app's page)."""
    bounds = _Bounds(deadline, addresses, resolve)
    adapter = _BoundedAdapter(bounds)
    try:
        request = requests.Request("GET", url, headers=HEADERS).prepare()
        response = adapter.send(request, stream=True, timeout=deadline, verify=True, proxies={})
        try:
            if bounds.over():  # the watchdog's shutdown reads as the end of the headers
                return Fetched(url, problem=bounds.passed())
            return _answer(url, response, bounds, cap)
        finally:
            response.close()
    except _NoAnswer as err:
        return Fetched(url, problem=str(err))
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as err:
        return Fetched(url, problem=bounds.passed() if bounds.over() else _failed(err))
    finally:
        bounds.close()
        adapter.close()


def _answer(url: str, response: requests.Response, bounds: _Bounds, cap: int) -> Fetched:
    encoding = response.headers.get("Content-Encoding", "").strip()
    location = response.headers.get("Location") if response.is_redirect else None
    body, problem = bytearray(), ""
    try:
        while len(body) <= cap:
            chunk = response.raw.read(cap + 1 - len(body), decode_content=False)
            if not chunk:
                break
            body += chunk
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as err:
        problem = f"the body broke off after {len(body)} bytes ({_failed(err)})"
    if bounds.over() and len(body) <= cap:  # the deadline ended the body, even as an EOF
        problem = f"the body did not end within the {bounds.deadline:g} s deadline ({len(body)} bytes read)"
    return Fetched(url, response.status_code, bytes(body[:cap]), cut=len(body) > cap,
                   location=location, encoding=encoding if encoding.lower() not in ("", "identity") else None,
                   problem=problem, cap=cap)


def _failed(err: BaseException) -> str:
    """The innermost cause of a requests / urllib3 error, on one line."""
    for _ in range(10):  # a chain can loop back on itself
        inner = err.__cause__ or err.__context__
        if inner is None:
            break
        err = inner
    text = err.strerror if isinstance(err, OSError) and err.strerror else first_line(err)
    return f"{type(err).__name__}: {text}"
