"""What the WSGI servers do on their own, made to follow the service's rules.

- **No client address in any log line**: `NoClientAddresses`, a logging filter that removes
  every IP address from a record's message (but the addresses the server itself listens on),
  sits on the root handler (waitress, Flask) and, through `logger_class`, on gunicorn's own
  handlers (gunicorn writes "Invalid request from ip=…" for a malformed request).
- **Long request lines up to the API's own limits**: a query of `MAX_QUERY_CHARS` characters
  with a full category path, percent-encoded in the worst case (12 bytes a character), fits
  in `REQUEST_LINE_BYTES`. gunicorn caps `limit_request_line` at 8190 bytes (0 would lift
  every bound), so its workers raise that cap to ours (`_allow_long_request_lines`); waitress
  gets a matching bound on the request head.
- **The servers' own error answers in the service's format**: a request the server refuses
  before the app sees it (a request line too long, malformed headers, a body too large) gets
  the app's problem JSON (for /api/…) or its HTML error page with every security header
  (search_app.errors.outside_response), through gunicorn worker classes and a waitress
  channel. Where the server cannot tell the path (a request line it could not read), the
  HTML page answers. What remains the server's own: gunicorn's and waitress's answers to
  bytes that are not HTTP at all (they close the connection) and gunicorn's HTTP/2 errors.
- **gthread workers that cost less per request**: with one thread (the default) a worker
  serves each request on its own thread, not through a pool (`ServesInline`); with more,
  a worker takes new connections only while a thread is free (`AcceptsWhenFree`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import threading
from collections import deque
from typing import Any

from indexer.limits import MAX_CATEGORY_CHARS, MAX_CATEGORY_DEPTH, MAX_QUERY_CHARS
from search_app.errors import outside_response

# %F0%9F%98%80: 12 bytes for one character; plus the path, other parameters and "HTTP/1.1"
REQUEST_LINE_BYTES = 12 * (MAX_QUERY_CHARS + MAX_CATEGORY_DEPTH * MAX_CATEGORY_CHARS) + 2048
REQUEST_HEAD_BYTES = REQUEST_LINE_BYTES + 64 * 1024  # waitress: request line and headers

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
                   r"(?:%\w+)?(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])")
_FROM_IP = re.compile(r" from ip=[^\s:]*(?::\d+)?:")  # gunicorn's "Invalid request from ip=x:"


def scrub_addresses(text: str, keep: frozenset[str] = frozenset()) -> str:
    """`text` with every IP address (v4 or v6) replaced by "[address]", but those in `keep`."""
    text = _FROM_IP.sub(":", text)

    def hide(match: re.Match[str]) -> str:
        candidate = match.group(0)
        try:
            ipaddress.ip_address(candidate.split("%")[0])
        except ValueError:
            return candidate  # a time, a version number, a hash: not an address
        return candidate if candidate in keep else "[address]"

    return _IPV6.sub(hide, _IPV4.sub(hide, text))


class NoClientAddresses(logging.Filter):
    """Rewrites each record's message without IP addresses (the server's own excepted)."""

    def __init__(self, keep: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.keep = keep

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub_addresses(message, self.keep)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:  # addresses in exception text too
            record.exc_text = scrub_addresses(
                logging.Formatter().formatException(record.exc_info), self.keep)
        return True


ANY_ADDRESS = frozenset({"0.0.0.0", "::"})  # noqa: S104 (names, not a bind)


def listening_addresses(host: str) -> frozenset[str]:
    """Addresses the server itself may name in its log lines ("Listening at: …")."""
    if host in ANY_ADDRESS:
        return ANY_ADDRESS | {host, "127.0.0.1", "::1"}
    return frozenset({host})


def protect_handlers(handlers: list[logging.Handler], keep: frozenset[str]) -> None:
    for handler in handlers:
        if not any(isinstance(f, NoClientAddresses) for f in handler.filters):
            handler.addFilter(NoClientAddresses(keep))


# -- gunicorn --------------------------------------------------------------------------------


def gunicorn_logger_class(keep: frozenset[str]) -> type:
    """gunicorn's logger, with client addresses filtered out of its error and access logs."""
    from gunicorn.glogging import Logger

    class IPFreeLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            protect_handlers(self.error_log.handlers + self.access_log.handlers, keep)

    return IPFreeLogger


class _Capture:
    """Stands in for the client socket while gunicorn writes its own error page."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data

    def status(self) -> int | None:
        parts = self.data.split(b"\r\n", 1)[0].split()
        return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


class ServiceErrors:
    """Worker mixin: gunicorn decides the status of a request it refuses (and logs it, here
    without the client's address); the service writes the answer."""

    wsgi: Any

    def init_process(self) -> None:
        _allow_long_request_lines()
        super().init_process()  # type: ignore[misc]

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        from gunicorn import util

        capture = _Capture()
        super().handle_error(req, capture, None, exc)  # type: ignore[misc]
        status = capture.status()
        if status is None:
            return
        path = getattr(req, "path", None) if req is not None else None
        try:
            answer = _http_response(*outside_response(self.wsgi, status, path))
        except Exception:  # never leave the client without an answer: gunicorn's own
            logging.getLogger(__name__).exception("cannot render a %s page", status)
            answer = capture.data
        with contextlib.suppress(OSError):  # the client may have gone
            util.write_nonblock(client, answer)


def _http_response(status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    from http import HTTPStatus

    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    head = [f"HTTP/1.1 {status} {reason}"]
    head += [f"{k}: {v}" for k, v in headers if k.lower() != "content-length"]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _allow_long_request_lines() -> None:
    """Raise gunicorn's hard cap on the request line (8190 bytes, applied whatever
    `limit_request_line` says) to REQUEST_LINE_BYTES; gunicorn is pinned and a test sends a
    request line of the API's maximum through a real server, so a change here shows."""
    from gunicorn.http import message

    if not hasattr(message, "MAX_REQUEST_LINE"):
        raise RuntimeError("this gunicorn has no MAX_REQUEST_LINE: check serving of long "
                           "request lines (search_app/servers.py)")
    message.MAX_REQUEST_LINE = max(message.MAX_REQUEST_LINE, REQUEST_LINE_BYTES)


class AcceptsWhenFree:
    """gthread worker mixin: new connections spread over the workers.

    gunicorn's gthread worker accepts every connection its listener offers and queues it
    for its threads; the workers share one listener, so the first to wake takes them all
    (measured: 16 kept-alive clients on one of two workers, the other idle). Here a worker
    waits on the listener only while one of its threads is free, and a busy one takes at
    most one waiting connection each time it finishes a request (its kept-alive clients
    would otherwise keep it busy, and new clients waiting, for ever): each worker takes
    new clients at the pace it serves them."""

    cfg: Any
    alive: bool
    sockets: list[Any]
    nr_conns: int
    worker_connections: int
    _in_flight = 0  # requests handed to the thread pool and not finished yet

    def enqueue_req(self, conn: Any) -> None:
        self._in_flight += 1
        super().enqueue_req(conn)  # type: ignore[misc]
        self._follow_load()

    def finish_request(self, conn: Any, fs: Any) -> None:
        self._in_flight -= 1
        try:
            super().finish_request(conn, fs)  # type: ignore[misc]
        finally:
            self._follow_load()
            if self.alive and self.nr_conns < self.worker_connections:
                for listener in self.sockets:  # non-blocking: nothing waiting, nothing done
                    self.accept(listener)  # type: ignore[attr-defined]

    def set_accept_enabled(self, enabled: bool) -> None:
        free = self._in_flight < self.cfg.threads
        super().set_accept_enabled(enabled and free)  # type: ignore[misc]

    def _follow_load(self) -> None:
        self.set_accept_enabled(self.alive and self.nr_conns < self.worker_connections)


class _Finished:
    """The outcome of a request served inline, as gthread's `finish_request` reads a future."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value

    def cancelled(self) -> bool:
        return False


def _readable_now(sock: Any) -> bool:
    """Has the client sent something (or closed) yet? Never waits."""
    import select

    poll = select.poll()
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(0))


class ServesInline:
    """gthread worker mixin for one thread per worker: each request is served on the worker's
    own thread, between two waits on its poller, instead of going to a thread pool and back.

    gunicorn's gthread worker hands every request to its pool (a task, a future, a thread
    switch each way, a done-callback through a wake-up pipe) and, with one thread, waits
    meanwhile; here the waiting thread serves it. Everything else is gthread's: kept-alive
    connections wait on the poller, a new connection that has sent nothing yet waits there
    too (never on the worker's thread), a request that follows in the same read is served
    next. Connections spread over the workers by themselves: a worker waits on the shared
    listener only between requests, so it takes new clients at the pace it serves them
    (what `AcceptsWhenFree` does for a pool). The arbiter's heartbeat comes from a small
    thread, once a second, as gthread's loop gave it while its pool served: a long request
    is not killed by the worker timeout, and no request pays for a file write."""

    HEARTBEAT_SECONDS = 1.0
    DEFER: Any = None  # gthread's "wait on the poller" outcome (set by gunicorn_worker_class)
    serves_inline = True  # search_app.serve warms the index on this thread
    tmp: Any
    _waiting: deque[Any] | None = None  # connections to serve in the current dispatch
    _heartbeat: threading.Event | None = None

    def run(self) -> None:
        stop = self._heartbeat = threading.Event()
        beat = threading.Thread(target=self._beat, args=(stop,), name="heartbeat",
                                daemon=True)
        beat.start()
        try:
            super().run()  # type: ignore[misc]
        finally:
            stop.set()

    def _beat(self, stop: threading.Event) -> None:
        while True:
            self.tmp.notify()
            if stop.wait(self.HEARTBEAT_SECONDS):
                return

    def notify(self) -> None:
        if self._heartbeat is None or self._heartbeat.is_set():
            self.tmp.notify()  # before the loop runs, and after it: no heartbeat thread

    def enqueue_req(self, conn: Any) -> None:
        """Serve `conn` now (gthread would queue it for its pool). A connection handed back
        while one is being served (a request already read behind the last one) is served
        after it, in this loop: no nesting, however many a client sends at once."""
        if self._waiting is not None:
            self._waiting.append(conn)
            return
        self._waiting = waiting = deque((conn,))
        try:
            while waiting:
                conn = waiting.popleft()
                if not (conn.initialized or conn.data_ready):  # new: has it sent anything?
                    conn.data_ready = _readable_now(conn.sock)
                # a silent one goes to the poller until it speaks (gthread's own answer)
                ready = conn.initialized or conn.data_ready
                result = self.handle(conn) if ready else self.DEFER  # type: ignore[attr-defined]
                self.finish_request(conn, _Finished(result))  # type: ignore[attr-defined]
        finally:
            self._waiting = None


def gunicorn_worker_class(threads: int, kind: str = "gthread") -> type:
    """The worker class: gthread with connections kept alive (one thread: requests served on
    the worker's own thread, `ServesInline`; more: a pool, a connection taken only by a worker
    with a free thread, `AcceptsWhenFree`) or sync (one thread, a connection per request;
    `threads` must be 1)."""
    if kind == "sync":
        if threads != 1:
            raise ValueError(f"sync workers have one thread ({threads} asked for): use "
                             "--worker-class gthread")
        from gunicorn.workers.sync import SyncWorker

        return type("ServiceSyncWorker", (ServiceErrors, SyncWorker), {})
    if kind != "gthread":
        raise ValueError(f"unknown worker class {kind!r}")
    from gunicorn.workers import gthread
    from gunicorn.workers.gthread import ThreadWorker

    missing = [name for name in ("accept", "enqueue_req", "finish_request", "handle",
                                 "set_accept_enabled") if not hasattr(ThreadWorker, name)]
    if missing:  # gunicorn is pinned; a new version must be checked here (and by the tests)
        raise RuntimeError(f"this gunicorn's gthread worker has no {', '.join(missing)}: "
                           "check how its workers accept connections (search_app/servers.py)")
    if threads == 1:
        if not hasattr(gthread, "_DEFER"):
            raise RuntimeError("this gunicorn's gthread worker has no _DEFER: check how "
                               "ServesInline defers a silent connection (search_app/servers.py)")
        return type("ServiceInlineWorker", (ServiceErrors, ServesInline, ThreadWorker),
                    {"DEFER": gthread._DEFER})
    return type("ServiceThreadWorker", (ServiceErrors, AcceptsWhenFree, ThreadWorker), {})


# -- waitress --------------------------------------------------------------------------------


def waitress_channel_class(app: Any) -> type:
    """waitress's channel, answering waitress's own errors as `app` answers errors."""
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    class ServiceErrorTask(ErrorTask):  # type: ignore[misc]
        def execute(self) -> None:
            err = self.request.error
            path = getattr(self.request, "path", None) or None
            try:
                status, headers, body = outside_response(app, int(err.code), path)
            except Exception:  # never leave the client without an answer
                logging.getLogger(__name__).exception("cannot render a %s page", err.code)
                super().execute()
                return
            self.status = f"{status} {err.reason}"
            self.response_headers.extend(
                (k, v) for k, v in headers if k.lower() not in {"content-length", "connection"})
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class ServiceChannel(HTTPChannel):  # type: ignore[misc]
        error_task_class = ServiceErrorTask

    return ServiceChannel
