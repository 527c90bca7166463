"""Loopback HTTP receivers standing in for PagerDuty/Opsgenie/Slack and the exchange: they
record every request, and can be told to fail a number of times, to answer slowly, or to
be down (nothing listening on their port) and come back on the same port."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived
    answered: int  # the status it got

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.fail_next = 0  # answer this many requests with `fail_status`
        self.fail_status = 503
        self.delay = 0.0  # seconds before answering
        self.in_flight = 0  # requests read and not answered yet
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.in_flight += 1
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    receiver.in_flight -= 1
                    status = 200
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        status = receiver.fail_status
                    receiver.requests.append(Received(self.path, dict(self.headers.items()),
                                                      body, time.time(), status))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"status":"ok"}' if status < 300 else b'{"error":"x"}')
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller timed out and left (a slow-receiver test)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Down: the port refuses connections until start() again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def delivered(self) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.answered < 300]

    def wait_for(self, count: int = 1, timeout: float = 10.0,
                 delivered: bool = True) -> list[Received]:
        """Poll until `count` requests arrived (delivered ones, by default) or time out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.delivered() if delivered else list(self.requests)
            if len(got) >= count:
                return got
            time.sleep(0.01)
        got = self.delivered() if delivered else list(self.requests)
        raise AssertionError(f"{len(got)} of {count} request(s) within {timeout} s")
