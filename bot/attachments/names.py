"""File names: what a client sent is shown to agents and sent back in a header, so it is
cut down to a harmless display name first."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_NAME = 120
_EXTENSIONS = {"image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"),
               "image/webp": (".webp",), "application/pdf": (".pdf",)}
# Characters that mean something to a file system, a shell or a header.
_RESERVED = re.compile(r'[<>:"/\\|?*;=%`$\']')


def safe_name(filename: str | None, content_type: str) -> str:
    """A display name of at most MAX_NAME characters whose extension matches the content.

    Only the last path segment is kept; control and format characters go (a right-to-left
    override turns "gpj.exe" into what looks like "exe.jpg"), and so do characters with a
    meaning in paths and headers. The extension is the content's: a PNG sent as
    "report.pdf" is stored as "report.png", so that whoever saves it opens it with the
    right program."""
    text = unicodedata.normalize("NFC", filename or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(" " if unicodedata.category(c) in ("Zs", "Zl", "Zp") else c for c in text
                   if not unicodedata.category(c).startswith("C"))
    text = _RESERVED.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    allowed = _EXTENSIONS.get(content_type, ("",))
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    if f".{ext.lower()}" not in allowed:
        stem = text  # the whole name was the stem; the wrong "extension" stays visible
    stem = stem.strip(" .") or "file"
    suffix = f".{ext.lower()}" if f".{ext.lower()}" in allowed else allowed[0]
    return stem[: MAX_NAME - len(suffix)].rstrip(" .") + suffix


def content_disposition(name: str, inline: bool) -> str:
    """RFC 6266 with an RFC 5987 UTF-8 name, and a plain-ASCII fallback for old clients."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
