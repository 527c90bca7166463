"""uvicorn's HTTP protocol with two guards it lacks (issue 13: 3,000 slow sockets stayed
open for 40 s):

- a deadline per request: from its first byte (or from the connection's start), headers
  and body must be complete within `limits.request_seconds`, else 408 and close;
- at most `limits.connections_per_client` open HTTP connections per client address in
  this process, else 429 and close. A trusted proxy's connections are not counted (every
  user behind it shares its address; the proxy limits them).

Upgraded WebSockets leave both guards: they are long-lived by design.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bot.config import LimitSettings


def _response(status: str, detail: str) -> bytes:
    body = json.dumps({"detail": detail}).encode()
    return (f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


_TOO_SLOW = _response("408 Request Timeout", "the request took too long to send")
_TOO_MANY = _response("429 Too Many Requests", "too many connections from your address")


class GuardedHttpProtocol(HttpToolsProtocol):
    limits: ClassVar[LimitSettings] = LimitSettings()
    # One process's open connections per address (shared by its protocol instances).
    open_per_client: ClassVar[Counter[str]] = Counter()

    @classmethod
    def configure(cls, limits: LimitSettings) -> None:
        cls.limits = limits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        host = self.client[0] if self.client else ""
        self._counted = host if host not in self.limits.trusted_proxies else None
        if self._counted is not None:
            if self.open_per_client[host] >= self.limits.connections_per_client:
                self._counted = None
                transport.write(_TOO_MANY)
                transport.close()
                return
            self.open_per_client[host] += 1
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.limits.request_seconds, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()  # type: ignore[union-attr]
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.write(_TOO_SLOW)
            self.transport.close()

    def _uncount(self) -> None:
        host: str | None = getattr(self, "_counted", None)
        if host is not None:
            self.open_per_client[host] -= 1
            if self.open_per_client[host] <= 0:
                del self.open_per_client[host]
            self._counted = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()  # the next request on a kept-alive connection

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()
        self._uncount()
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._uncount()
        super().connection_lost(exc)

