"""Attachments end to end: real files made with Pillow (and a PDF written by hand), the
real app on SQLite and on PostgreSQL, a real server for the upload that breaks off."""

from __future__ import annotations

import io
import socket
import struct
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from bot.attachments import read_attachment
from bot.conversations.store import ConversationStore
from bot.storage.database import reading
from bot.storage.schema import attachment_blobs, attachments, messages
from tests.conftest import make_services
from tests.server.helpers import open_conversation

LIMIT = 256 * 1024  # a small limit keeps the over-limit cases fast


def _settings(settings: Any, limit: int = LIMIT) -> Any:
    return settings.model_copy(update={
        "limits": settings.limits.model_copy(update={"attachment_bytes": limit})})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def served(settings, tiny_nlu, database):  # type: ignore[no-untyped-def]
    from bot.server.app import create_app

    services = make_services(_settings(settings), tiny_nlu, database)
    app = create_app(services, background=False)
    with TestClient(app) as client:
        yield client, services, app
    services.db.dispose()


# --- files -------------------------------------------------------------------------
def png(size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "teal" if mode == "RGB" else 0).save(out, "PNG")
    return out.getvalue()


def webp(size: tuple[int, int] = (50, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (200, 10, 10, 128)).save(out, "WEBP")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A 40x20 photo taken "rotated" (EXIF orientation 6) at a GPS position."""
    image = Image.new("RGB", (40, 20), "orange")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    data = out.getvalue()
    assert b"PhoneMaker" in data
    return data


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def png_bomb(side: int = 50_000) -> bytes:
    """A valid PNG header announcing side x side pixels, with almost no data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b""))


def upload(client: TestClient, conversation_id: str, data: bytes, content_type: str,
           filename: str = "receipt.png", **params: str) -> Any:
    return client.post(f"/api/v1/conversations/{conversation_id}/attachments",
                       params={"filename": filename, **params}, content=data,
                       headers={"Content-Type": content_type})


def stored(services: Any) -> tuple[int, int, int]:
    """(attachment rows, blob rows, files and temporary files on disk)."""
    with reading(services.db) as connection:
        rows = connection.scalar(select(func.count()).select_from(attachments))
        blobs = connection.scalar(select(func.count()).select_from(attachment_blobs))
    folder = getattr(services_store(services), "folder", None)
    files = len([p for p in Path(folder).rglob("*") if p.is_file()]) if folder else 0
    return int(rows or 0), int(blobs or 0), files


def services_store(services: Any) -> Any:
    from bot.attachments import attachment_store

    return attachment_store(services.db, services.settings.paths.data_dir)


def message_count(services: Any, conversation_id: str) -> int:
    with reading(services.db) as connection:
        return int(connection.scalar(select(func.count()).select_from(messages).where(
            messages.c.conversation_id == conversation_id)) or 0)


# --- tests -------------------------------------------------------------------------
def test_a_screenshot_becomes_a_message_and_downloads_inert(served):  # type: ignore[no-untyped-def]
    client, services, _app = served
    conversation = open_conversation(client)
    response = upload(client, conversation, png(), "image/png", locale="de-DE")
    assert response.status_code == 201, response.text
    body = response.json()
    attachment = body["attachment"]
    assert attachment["type"] == "image/png" and attachment["name"] == "receipt.png"
    assert (attachment["width"], attachment["height"], attachment["thumbnail"]) == (640, 480, True)

    listed = client.get(f"/api/v1/conversations/{conversation}/messages").json()["messages"]
    mine = next(m for m in listed if m["id"] == body["message_id"])
    assert (mine["author"], mine["kind"], mine["text"]) == ("user", "attachment", "📎 receipt.png")
    reply = next(m for m in listed if m["id"] == body["reply_id"])
    assert reply["author"] == "bot" and "Datei" in reply["text"]  # the locale's language
    with reading(services.db) as connection:
        row = connection.execute(select(messages).where(
            messages.c.id == body["message_id"])).one()
    assert row.processed and row.payload == {"attachment": attachment}

    url = f"/api/v1/conversations/{conversation}/attachments/{attachment['id']}"
    download = client.get(url)
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert download.headers["content-disposition"].startswith('inline; filename="receipt.png"')
    assert download.headers["cache-control"].startswith("private, max-age=")
    assert Image.open(io.BytesIO(download.content)).size == (640, 480)
    thumbnail = client.get(url, params={"thumbnail": "true"})
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(thumbnail.content)).size == (320, 240)

    # The conversation id is the capability: another conversation cannot read the file.
    other = open_conversation(client)
    assert client.get(f"/api/v1/conversations/{other}/attachments/{attachment['id']}"
                      ).status_code == 404
    assert client.get(f"/api/v1/conversations/{conversation}/attachments/{'0' * 32}"
                      ).status_code == 404
    assert client.get(f"/api/v1/conversations/{conversation}/attachments/../etc"
                      ).status_code == 404
    assert client.get(f"/api/v1/conversations/{conversation}/attachments/NOTHEX"
                      ).status_code == 422


def test_exif_and_gps_are_stripped_and_the_rotation_kept(served):  # type: ignore[no-untyped-def]
    client, services, _app = served
    conversation = open_conversation(client)
    response = upload(client, conversation, jpeg_with_gps(), "image/jpeg", "photo.JPG")
    assert response.status_code == 201, response.text
    attachment = response.json()["attachment"]
    assert attachment["name"] == "photo.jpg"
    assert (attachment["width"], attachment["height"]) == (20, 40)  # turned upright
    meta, data = read_attachment(services.db, attachment["id"])
    assert meta.content_type == "image/jpeg" and meta.size == len(data)
    image = Image.open(io.BytesIO(data))
    assert image.size == (20, 40)
    assert not image.getexif() and b"PhoneMaker" not in data and b"Exif" not in data
    assert "exif" not in image.info and "xmp" not in image.info


def test_webp_and_pdf_are_kept(served):  # type: ignore[no-untyped-def]
    client, services, _app = served
    conversation = open_conversation(client)
    response = upload(client, conversation, webp(), "image/webp", "screen.webp")
    assert response.status_code == 201, response.text
    assert response.json()["attachment"]["type"] == "image/webp"

    response = upload(client, conversation, PDF, "application/pdf", "Kontoauszug März.pdf")
    assert response.status_code == 201, response.text
    attachment = response.json()["attachment"]
    assert attachment["thumbnail"] is False and attachment["width"] is None
    url = f"/api/v1/conversations/{conversation}/attachments/{attachment['id']}"
    download = client.get(url)
    assert download.content == PDF  # stored byte for byte
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Kontoauszug M_rz.pdf\"; "
        "filename*=UTF-8''Kontoauszug%20M%C3%A4rz.pdf")
    assert client.get(url, params={"thumbnail": "true"}).status_code == 404
    assert stored(services)[0] == 2


REFUSED = [
    (b"<html><script>alert(1)</script></html>", "image/png", 415, "PNG"),  # HTML as .png
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/svg+xml", 415, "PNG"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif", 415, "PNG"),
    (b"MZ\x90\x00\x03" + b"\x00" * 100, "application/octet-stream", 415, "PNG"),  # a .exe
    (b"PK\x03\x04" + b"\x00" * 100, "application/zip", 415, "PNG"),
    (b"", "image/png", 415, "PNG"),
    ("png", "application/pdf", 415, "PNG"),  # a PNG that says it is a PDF
    (PDF, "image/png", 415, "PNG"),
    ("bomb", "image/png", 422, "damaged"),  # 50,000 x 50,000 pixels announced
    ("truncated", "image/png", 422, "damaged"),
    (PDF[:-7], "application/pdf", 422, "damaged"),  # no %%EOF
    ("big", "image/png", 413, "0.25 MB"),
]


def test_refused_files_leave_nothing(served):  # type: ignore[no-untyped-def]
    client, services, _app = served
    made = {"png": png((8, 8)), "bomb": png_bomb(), "truncated": png()[:200],
            "big": b"\x89PNG\r\n\x1a\n" + b"\0" * LIMIT}
    conversation = open_conversation(client)
    before = message_count(services, conversation)
    for data, declared, status, words in REFUSED:
        body = made[data] if isinstance(data, str) else data
        response = upload(client, conversation, body, declared, "receipt.png")
        assert response.status_code == status, (declared, response.text)
        assert words in response.json()["detail"], response.text
    assert stored(services) == (0, 0, 0)
    assert message_count(services, conversation) == before


def test_refusals_speak_the_users_language(served):  # type: ignore[no-untyped-def]
    client, _services, _app = served
    conversation = open_conversation(client)
    response = upload(client, conversation, b"<html>", "text/html", locale="es")
    assert response.status_code == 415 and "Lo siento" in response.json()["detail"]
    response = client.post(f"/api/v1/conversations/{conversation}/attachments",
                           content=b"\x89PNG\r\n\x1a\n" + b"\0" * LIMIT,
                           headers={"Content-Type": "image/png", "Accept-Language": "fr-FR"})
    assert response.status_code == 413 and "Mo" in response.json()["detail"]
    # Far over the limit: refused by the body limit before the route reads anything.
    response = client.post(f"/api/v1/conversations/{conversation}/attachments",
                           content=b"\0" * (LIMIT + 200_000),
                           headers={"Content-Type": "image/png"})
    assert response.status_code == 413
    # Other routes keep the small JSON limit.
    response = client.post(f"/api/v1/conversations/{conversation}/messages",
                           content=b"{" + b" " * 100_000 + b"}",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert upload(client, "no-such-conversation", png((4, 4)), "image/png").status_code == 404


def test_no_bot_reply_with_a_person_and_agent_files(served):  # type: ignore[no-untyped-def]
    from bot.attachments import agent_upload

    client, services, app = served
    conversation = open_conversation(client)
    with services.db.begin() as connection:
        ConversationStore.save(connection, conversation, state="queued")
    response = upload(client, conversation, png((10, 10)), "image/png")
    assert response.status_code == 201 and response.json()["reply_id"] is None

    woken: list[str] = []
    uploaded = agent_upload(app.state.attachments, conversation, "Alice (support)",
                            "how-to.pdf", "application/pdf", [PDF[:10], PDF[10:]],
                            notify=woken.append)
    assert woken == [conversation]
    listed = client.get(f"/api/v1/conversations/{conversation}/messages").json()["messages"]
    mine = next(m for m in listed if m["id"] == uploaded.message_id)
    assert (mine["author"], mine["author_name"], mine["kind"]) == (
        "agent", "Alice (support)", "attachment")
    meta, data = read_attachment(app.state.attachments, uploaded.attachment.id)
    assert data == PDF and meta.author == "agent" and meta.message_id == uploaded.message_id
    # The user sees the agent's file in their conversation too.
    assert client.get(f"/api/v1/conversations/{conversation}/attachments/{meta.id}"
                      ).content == PDF


def test_odd_filenames_are_tamed(served):  # type: ignore[no-untyped-def]
    client, _services, _app = served
    conversation = open_conversation(client)
    for name, expected in [("../../etc/passwd", "passwd.png"),
                           ("C:\\Users\\me\\x.png", "x.png"),
                           ("evil\u202egnp.exe", "evil gnp.exe.png"),
                           ('a"b;c\r\nd.png', "a_b_c d.png"),
                           ("", "file.png"), ("." * 50, "file.png"),
                           ("x" * 300 + ".png", "x" * 116 + ".png")]:
        response = upload(client, conversation, png((4, 4)), "image/png", name)
        assert response.status_code == 201, response.text
        assert response.json()["attachment"]["name"] == expected


# --- an upload that breaks off ------------------------------------------------------
@pytest.fixture
def live(settings, tiny_nlu, sqlite_url):  # type: ignore[no-untyped-def]
    """The app under a real uvicorn on a loopback port (a TestClient cannot half-send)."""
    import uvicorn

    from bot.server.app import create_app

    services = make_services(_settings(settings), tiny_nlu, sqlite_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(services, background=False),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        assert time.time() < deadline, "the server did not start"
        time.sleep(0.05)
    yield port, services
    server.should_exit = True
    thread.join(10)
    services.db.dispose()


def test_an_upload_that_breaks_off_leaves_nothing(live):  # type: ignore[no-untyped-def]
    import httpx

    port, services = live
    base = f"http://127.0.0.1:{port}/api/v1/conversations"
    conversation = httpx.post(base, json={}).json()["id"]
    before = message_count(services, conversation)
    data = png((300, 300))
    for declared_length in (len(data), LIMIT):
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall((f"POST /api/v1/conversations/{conversation}/attachments"
                         f"?filename=half.png HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         f"Content-Type: image/png\r\nContent-Length: {declared_length}\r\n\r\n"
                         ).encode() + data[: len(data) // 2])
            time.sleep(0.2)
        # Closed with half the body sent.
    time.sleep(0.5)
    assert stored(services) == (0, 0, 0)
    assert message_count(services, conversation) == before
    # The server is fine afterwards and stores a whole upload.
    response = httpx.post(f"{base}/{conversation}/attachments", params={"filename": "a.png"},
                          content=data, headers={"Content-Type": "image/png"})
    assert response.status_code == 201, response.text
    assert stored(services) == (1, 0, 2)  # SQLite: the file and its thumbnail
