"""Slow or greedy clients cannot hold the server's sockets: a request must arrive whole
within `limits.request_seconds`, and one address may hold only
`limits.connections_per_client` HTTP connections (per process)."""

from __future__ import annotations

import socket
import time

import httpx

from tests.server.live_server import live_server

LIMITS = "limits:\n  max_message_chars: 4096\n  request_seconds: 2\n  connections_per_client: 5\n"


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _answer(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_slow_and_greedy_clients(shipped_model_dir, tmp_path):
    with live_server(shipped_model_dir, tmp_path, extra_config=LIMITS) as (base, _, _):
        # Headers that never finish, and a body that never finishes: 408, then closed.
        slow_headers = _connect(base)
        slow_headers.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        slow_body = _connect(base)
        slow_body.sendall(b"POST /api/v1/conversations HTTP/1.1\r\nHost: x\r\n"
                          b"content-type: application/json\r\ncontent-length: 100\r\n\r\n{")
        started = time.monotonic()
        for sock in (slow_headers, slow_body):
            answer = _answer(sock)
            assert answer.startswith(b"HTTP/1.1 408"), answer
            sock.close()
        assert time.monotonic() - started < 9  # closed by the deadline, not by the test
        # Five connections held open: the sixth is refused, and freed ones count again.
        held = [_connect(base) for _ in range(5)]
        time.sleep(0.3)
        extra = _connect(base)
        assert _answer(extra).startswith(b"HTTP/1.1 429")
        extra.close()
        for sock in held:
            sock.close()
        time.sleep(0.5)
        assert httpx.get(f"{base}/healthz").status_code == 200
