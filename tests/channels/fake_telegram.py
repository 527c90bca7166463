"""A fake Telegram Bot API on 127.0.0.1: the real python-telegram-bot talks to it through
its base_url. Tests push updates in and read what the bot sent.

Like Telegram, getUpdates with an offset forgets every update before it (confirmed), and
faults can be injected: 5xx for one chat, 429 with retry_after, a send that Telegram
accepts but answers too late (the client times out), a user who blocked the bot."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

BOT = {"id": 999, "is_bot": True, "first_name": "Support", "username": "support_bot",
       "can_join_groups": True, "can_read_all_group_messages": False,
       "supports_inline_queries": False}


class FakeTelegram:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.fail_next_sends = 0
        self.failing_chats: set[int] = set()  # sends to these get 500 until removed
        self.rate_limit_next = 0  # sends answered 429 retry_after=1
        self.slow_next_sends = 0  # accepted, then answered after the client gave up
        self.slow_seconds = 8.0
        self.blocked_chats: set[int] = set()  # 403: the user blocked the bot
        self.can_delete = False
        self.confirmed_upto = 0  # updates below this were confirmed by an offset
        self.requests: list[tuple[str, dict[str, Any]]] = []
        # Called (in the server's thread) when an offset confirms updates, before the
        # answer goes back: a test can SIGKILL the bot at exactly that moment.
        self.on_confirm: Any = None
        self.send_attempts: list[int] = []  # chat ids, one per sendMessage call
        self._next_update = 1
        self._next_message = 1000
        self._lock = threading.Lock()
        self.port = _free_port()
        self.app = FastAPI()
        self.app.post("/bot{token}/{method}")(self._handle)
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self.uploads: list[dict[str, Any]] = []  # sendPhoto / sendDocument: the bytes sent
        self.app.get("/file/bot{token}/{path:path}")(self._file)
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                     log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        deadline = time.time() + 10
        while not self._server.started and time.time() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def push(self, **update: Any) -> int:
        with self._lock:
            update_id = self._next_update
            self._next_update += 1
            self.updates.append({"update_id": update_id, **update})
        return update_id

    async def _handle(self, token: str, method: str, request: Request) -> JSONResponse:
        body = await request.body()
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = _multipart(request.headers["content-type"], body)  # a file upload
        elif request.headers.get("content-type", "").startswith("application/json"):
            form = json.loads(body or b"{}")
        else:  # PTB posts urlencoded fields whose values are JSON-encoded
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        params = {key: _decode(value) for key, value in form.items()}
        self.calls.append(method)
        self.requests.append((method, params))
        if method == "getMe":
            return _ok(BOT)
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            if offset:
                with self._lock:  # Telegram forgets what an offset confirmed
                    confirming = any(u["update_id"] < offset for u in self.updates)
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                    self.confirmed_upto = max(self.confirmed_upto, offset)
                if confirming and self.on_confirm is not None:
                    self.on_confirm()
            for _ in range(50):  # hold briefly, like long polling
                with self._lock:
                    ready = [u for u in self.updates if u["update_id"] >= offset]
                if ready:
                    return _ok(ready)
                await asyncio.sleep(0.01)
            return _ok([])
        if method == "sendMessage":
            chat = int(params["chat_id"])
            self.send_attempts.append(chat)
            if chat in self.blocked_chats:
                return JSONResponse({"ok": False, "error_code": 403, "description":
                                     "Forbidden: bot was blocked by the user"}, status_code=403)
            if chat in self.failing_chats:
                return JSONResponse({"ok": False, "error_code": 500,
                                     "description": "Internal Server Error"}, status_code=500)
            if self.rate_limit_next:
                self.rate_limit_next -= 1
                return JSONResponse({"ok": False, "error_code": 429, "description":
                                     "Too Many Requests: retry after 1",
                                     "parameters": {"retry_after": 1}}, status_code=429)
            if len(params.get("text", "")) > 4096:
                return JSONResponse({"ok": False, "error_code": 400, "description":
                                     "Bad Request: message is too long"}, status_code=400)
            if self.fail_next_sends:
                self.fail_next_sends -= 1
                return JSONResponse({"ok": False, "error_code": 502,
                                     "description": "Bad Gateway"}, status_code=502)
            with self._lock:
                self._next_message += 1
                record = {"message_id": self._next_message, "chat_id": int(params["chat_id"]),
                          "text": params["text"], "reply_markup": params.get("reply_markup"),
                          "parse_mode": params.get("parse_mode"),
                          "reply_to": params.get("reply_to_message_id")
                          or (params.get("reply_parameters") or {}).get("message_id")}
                self.sent.append(record)
            if self.slow_next_sends:
                self.slow_next_sends -= 1
                await asyncio.sleep(self.slow_seconds)
            return _ok({"message_id": record["message_id"], "date": int(time.time()),
                        "chat": {"id": record["chat_id"], "type": "private"},
                        "from": BOT, "text": record["text"]})
        if method == "getFile":
            content = self.files.get(str(params.get("file_id")))
            if content is None:
                return JSONResponse({"ok": False, "error_code": 400, "description":
                                     "Bad Request: invalid file_id"}, status_code=400)
            return _ok({"file_id": params["file_id"], "file_unique_id": params["file_id"],
                        "file_size": len(content), "file_path": f"files/{params['file_id']}"})
        if method in ("sendPhoto", "sendDocument"):
            field = "photo" if method == "sendPhoto" else "document"
            with self._lock:
                self._next_message += 1
                record = {"message_id": self._next_message, "chat_id": int(params["chat_id"]),
                          "method": method, "file": form.get(field), "text": ""}
                self.uploads.append(record)
            return _ok({"message_id": record["message_id"], "date": int(time.time()),
                        "chat": {"id": record["chat_id"], "type": "private"}, "from": BOT})
        if method == "deleteMessage" and not self.can_delete:
            return JSONResponse({"ok": False, "error_code": 400, "description":
                                 "Bad Request: message can't be deleted"}, status_code=400)
        return _ok(True)  # deleteWebhook, answerCallbackQuery, setWebhook …

    async def _file(self, token: str, path: str) -> Response:
        content = self.files.get(path.rsplit("/", 1)[-1])
        if content is None:
            return Response(status_code=404)
        return Response(content, media_type="application/octet-stream")

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in list(self.requests) if name == method]

    def wait_for(self, predicate: Any, timeout: float = 30.0,
                 poll: float = 0.1) -> list[dict[str, Any]]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                found = [m for m in self.sent if predicate(m)]
            if found:
                return found
            time.sleep(poll)
        raise AssertionError(f"nothing matching was sent; sent so far: {self.sent}")


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """multipart/form-data fields: text as str, files as bytes (no python-multipart here)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True)
        fields[str(name)] = (content if part.get_filename() else
                             content.decode("utf-8") if isinstance(content, bytes) else content)
    return fields


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def private_message(user_id: int, text: str, language: str = "en", **extra: Any) -> dict[str, Any]:
    return {"message": {"message_id": int(time.time_ns() % 10**9), "date": int(time.time()),
                        "chat": {"id": user_id, "type": "private", "first_name": "U"},
                        "from": {"id": user_id, "is_bot": False, "first_name": "U",
                                 "username": f"user{user_id}", "language_code": language},
                        "text": text, **extra}}


def group_message(chat_id: int, user_id: int, text: str, mention: bool = True,
                  language: str = "en") -> dict[str, Any]:
    body = f"@support_bot {text}" if mention else text
    message: dict[str, Any] = {
        "message_id": int(time.time_ns() % 10**9), "date": int(time.time()),
        "chat": {"id": chat_id, "type": "supergroup", "title": "Traders"},
        "from": {"id": user_id, "is_bot": False, "first_name": "G",
                 "username": f"member{user_id}", "language_code": language},
        "text": body}
    if mention:
        message["entities"] = [{"type": "mention", "offset": 0, "length": len("@support_bot")}]
    return {"message": message}


def run_channel(services: Any, fake: FakeTelegram) -> tuple[Any, Any]:
    """The real Telegram channel on its own event loop in a thread, talking to the fake;
    returns the channel and a function that stops it."""
    import contextlib

    from bot.channels.telegram import TelegramChannel

    channel = TelegramChannel(services, "123456:TEST-TOKEN", fake.base_url)
    loop = asyncio.new_event_loop()
    holder: dict[str, asyncio.Task[None]] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        holder["task"] = loop.create_task(channel.run())
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(holder["task"])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while "getUpdates" not in fake.calls and time.time() < deadline:
        time.sleep(0.05)

    def stop() -> None:
        loop.call_soon_threadsafe(holder["task"].cancel)
        thread.join(timeout=30)

    return channel, stop
