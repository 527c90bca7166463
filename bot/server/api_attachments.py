"""Files in a conversation over HTTP: a user uploads one (the raw file is the body) and
downloads the files of their conversation. The agent routes (bot.server.api_agent) use
the helpers here too: `receive_upload` and `file_response`.

A download is served so that it can never act as a page of this origin: the type is the
one sniffed at upload (the bytes were checked to be it), `nosniff` stops a browser from
guessing another, and `Content-Security-Policy: sandbox` runs nothing even if a file is
opened directly. PDFs are always downloads, never shown inline.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

from bot.attachments import (
    AttachmentMeta,
    AttachmentStore,
    Refused,
    Uploaded,
    agent_upload,
    attachment_store,
    read_attachment,
    user_upload,
)
from bot.attachments.checks import ALLOWED_TYPES, IMAGE_TYPES
from bot.attachments.names import content_disposition
from bot.dialogue import state as st
from bot.server.schemas import NO_NUL, ConversationId, ErrorOut, errors

# The upload routes, user's and agent's: the body limit middleware gives them the
# attachment limit (bot.server.app).
UPLOAD_PATH = re.compile(r"/api/v1/(?:conversations/[^/]+|agent/handoffs/[^/]+)/attachments")
# The middleware's cap on those paths sits this far above the attachment limit, so that
# the route itself refuses a declared size just over it, in the user's language; the cap
# still bounds what any upload can make the server read.
UPLOAD_HEADROOM = 64 * 1024
CACHE_SECONDS = 3600  # an attachment never changes; `private`: no shared cache keeps it
_SANDBOX = "sandbox; default-src 'none'"

AttachmentId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$",
                                   description="an attachment's id (32 hex digits)")]
Filename = Annotated[str | None, Query(max_length=1000, pattern=NO_NUL,
                                       description="the file's name, for display only: "
                                                   "the type is read from the content")]
Locale = Annotated[str | None, Query(max_length=35, pattern=NO_NUL,
                                     description="the language of error messages before the "
                                                 "conversation has one, e.g. zh-TW")]

_FILE_BODY = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_OPENAPI = {"requestBody": {
    "required": True,
    "description": "The raw file. Content-Type is the declared type: it must match the "
                   "content (PNG, JPEG, WebP or PDF, at most `limits.attachment_bytes`).",
    "content": {media_type: _FILE_BODY for media_type in ALLOWED_TYPES}}}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the upload broke off before its end"},
    413: {"model": ErrorOut, "description": "the file is over the attachment size limit"},
    415: {"model": ErrorOut, "description": "not a PNG, JPEG, WebP image or PDF, or the "
          "declared Content-Type does not match the content"},
    422: {"model": ErrorOut, "description": "the image or PDF is damaged or decodes to too "
          "many pixels; or an invalid parameter"},
}

router = APIRouter(prefix="/api/v1/conversations", tags=["attachments"])


class AttachmentOut(BaseModel):
    id: str
    name: str
    type: str
    size: int
    width: int | None
    height: int | None
    thumbnail: bool


class UploadOut(BaseModel):
    message_id: int
    attachment: AttachmentOut
    reply_id: int | None = None  # the bot's acknowledgement, when the bot holds the chat


def store_of(request: Request) -> AttachmentStore:
    """This process's attachment store (made once, on first use)."""
    state = request.app.state
    store: AttachmentStore | None = getattr(state, "attachments", None)
    if store is None:
        services = state.services
        store = attachment_store(services.db, services.settings.paths.data_dir)
        state.attachments = store
    return store


@router.post("/{conversation_id}/attachments", status_code=201, response_model=UploadOut,
             responses={**errors(404), **UPLOAD_ERRORS}, openapi_extra=UPLOAD_OPENAPI)
async def upload_attachment(conversation_id: ConversationId, request: Request,
                            filename: Filename = None, locale: Locale = None
                            ) -> dict[str, Any]:
    """Attach a file (screenshot, receipt) to the conversation: it is shown as the user's
    message, and agents see it. Images are stored re-encoded, without metadata (EXIF,
    GPS). Nothing is stored when the file is refused."""
    return await receive_upload(request, conversation_id, filename, locale=locale)


@router.get("/{conversation_id}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"description": "the file (or its thumbnail)",
                             "content": {t: _FILE_BODY for t in ALLOWED_TYPES}},
                       **errors(404)})
def download_attachment(conversation_id: ConversationId, attachment_id: AttachmentId,
                        request: Request, thumbnail: bool = False) -> Response:
    """A file of this conversation (`thumbnail=true`: an image's small version, at most
    320 pixels on its long side)."""
    try:
        meta, data = read_attachment(store_of(request), attachment_id, thumbnail)
    except LookupError:
        meta = None
    if meta is None or meta.conversation_id != conversation_id:
        # Another conversation's file is "not found" too: an id never confirms it exists.
        raise HTTPException(404, f"no attachment {attachment_id} in this conversation")
    return file_response(meta, data)


def file_response(meta: AttachmentMeta, data: bytes) -> Response:
    """The download of an attachment with the headers that keep it inert (users and
    agents alike)."""
    return Response(data, media_type=meta.content_type, headers={
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": content_disposition(meta.filename,
                                                   inline=meta.content_type in IMAGE_TYPES),
        "Cache-Control": f"private, max-age={CACHE_SECONDS}",
        "Content-Security-Policy": _SANDBOX,
    })


async def receive_upload(request: Request, conversation_id: str, filename: str | None,
                         agent_name: str | None = None, locale: str | None = None
                         ) -> dict[str, Any]:
    """Read the request's body (within the limit) and store it as a user's file, or as
    `agent_name`'s when given (the caller checked the agent may write here). Returns the
    201 body; raises HTTPException 400/404/413/415/422 with a sentence in the
    conversation's language (else `locale`, Accept-Language, English); an agent's
    refusals are in `locale` or Accept-Language (the agent's, not the user's)."""
    services = request.app.state.services
    row = await to_thread.run_sync(services.dialogue.store.get, conversation_id)
    if row is None:
        raise HTTPException(404, f"no conversation {conversation_id}")
    speaker = _Speaker(services, row, locale or _accepted_language(request),
                       for_agent=agent_name is not None)
    limit = services.settings.limits.attachment_bytes
    declared = request.headers.get("content-type")
    name = _redacted(services, filename)
    try:
        data = await _read_body(request, limit)
        if agent_name is None:
            uploaded: Uploaded = await to_thread.run_sync(partial(
                user_upload, store_of(request), conversation_id, name, declared, data, limit,
                reply=speaker.acknowledgement, notify=services.dialogue.notify))
        else:
            uploaded = await to_thread.run_sync(partial(
                agent_upload, store_of(request), conversation_id, agent_name, name, declared,
                data, limit, notify=services.dialogue.notify))
    except Refused as refused:
        raise HTTPException(refused.status, speaker.refusal(refused, limit)) from None
    except ClientDisconnect:
        # The client is gone (or the body limit refused it): nobody reads this answer.
        raise HTTPException(400, "the upload broke off before its end") from None
    except LookupError:
        raise HTTPException(404, f"no conversation {conversation_id}") from None
    return uploaded.public()


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to be over the limit: by its declared
    length before a byte is read, else while it arrives."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise Refused("too_large", f"Content-Length {length} is over {limit}")
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused("too_large", f"the body is over {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _redacted(services: Any, filename: str | None) -> str | None:
    """A file name is text the user typed: scanned for secrets like a display name, as
    every text column holds redacted text only."""
    from bot.nlu.pipeline import clean_text

    if not filename:
        return filename
    return str(services.nlu.secrets.scan_staff_text(clean_text(filename)))


def _accepted_language(request: Request) -> str | None:
    first = request.headers.get("accept-language", "").split(",")[0].split(";")[0].strip()
    return first[:35] or None


class _Speaker:
    """The bot's sentences about a file, in the conversation's language and script."""

    def __init__(self, services: Any, row: Any, locale: str | None, for_agent: bool = False):
        from bot.nlu.language import locale_script, normalise_locale

        self.services = services
        self.locale = locale
        lang, script = (None, None) if for_agent else (row.lang, row.script)
        self.lang = lang or normalise_locale(locale) or services.settings.language.default
        self.script = script or (locale_script(locale) if locale else None)

    def say(self, key: str, lang: str, script: str | None, **values: Any) -> str:
        from bot.nlu.chinese_script import in_script

        if lang not in self.services.replies.texts:
            lang = self.services.settings.language.default
        text = self.services.replies.render(key, lang,
                                            **self.services.settings.links.model_dump(),
                                            **values)
        return str(in_script(text, lang, script))

    def refusal(self, refused: Refused, limit: int) -> str:
        return self.say(refused.reply_key, self.lang, self.script,
                        limit_mb=Refused.limit_in_mb(limit))

    def acknowledgement(self, row: Any) -> str | None:
        """The bot answers a file only while it holds the chat: with a person queued or
        with an agent, the agent sees the file and answers it."""
        if row.state in (st.QUEUED, st.WITH_AGENT):
            return None
        from bot.nlu.language import normalise_locale

        lang = row.lang or normalise_locale(self.locale) or self.services.settings.language.default
        return self.say("attachment_received", lang, row.script or self.script)
