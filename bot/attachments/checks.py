"""What a file is, decided by its first bytes, and whether it may be kept.

The declared Content-Type and the file name are what a client says; the bytes are what a
browser, a PDF reader or an image library will act on. So only the bytes decide: a file
whose declared type disagrees with them is refused (a client lying about a type is
either broken or trying to make something render as what it is not), and anything that
is not one of the four kinds we expect — HTML, SVG, GIF, archives, executables — is
refused whatever its name says.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.attachments import images
from bot.attachments.refusal import Refused

__all__ = ["Checked", "Refused", "check", "declared_type", "sniff"]

PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
PDF = "application/pdf"
IMAGE_TYPES = (PNG, JPEG, WEBP)
ALLOWED_TYPES = (*IMAGE_TYPES, PDF)
EXTENSIONS = {PNG: ".png", JPEG: ".jpg", WEBP: ".webp", PDF: ".pdf"}

# Declared types that say nothing about the content (a client that does not know, or a
# form that always sends this): they are not a claim, so they cannot be a lie.
_NO_CLAIM = {"", "application/octet-stream", "binary/octet-stream"}
# Other spellings clients use for the same types.
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "image/x-png": PNG,
            "application/x-pdf": PDF}
# A PDF ends with %%EOF; readers accept it within the last 1024 bytes (trailing junk
# such as a newline or a scanner's padding is common).
_PDF_TAIL = 1024


@dataclass(frozen=True)
class Checked:
    """A file fit to store: `data` is what is kept (images: re-encoded, metadata gone)."""

    content_type: str
    data: bytes
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def sniff(data: bytes) -> str | None:
    """The type the bytes are, or None for anything we do not accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def declared_type(header: str | None) -> str:
    """The bare media type a client declared ('Image/PNG; x=y' -> 'image/png')."""
    bare = (header or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(bare, bare)


def check(data: bytes, declared: str | None, max_bytes: int,
          max_pixels: int = images.MAX_PIXELS) -> Checked:
    """The file as it will be stored, or Refused. Cheap checks first: the size and the
    magic bytes are looked at before any decoder touches the data."""
    if len(data) > max_bytes:
        raise Refused("too_large", f"the file is over {max_bytes} bytes")
    kind = sniff(data)
    if kind is None:
        raise Refused("type_refused", "the file is not a PNG, JPEG, WebP image or a PDF")
    claimed = declared_type(declared)
    if claimed not in _NO_CLAIM and claimed != kind:
        raise Refused("type_lying", f"declared {claimed[:60]!r} but the content is {kind}")
    if kind == PDF:
        return _checked_pdf(data)
    image = images.clean(data, kind, max_pixels)
    return Checked(kind, image.data, image.thumbnail, image.width, image.height)


def _checked_pdf(data: bytes) -> Checked:
    """A PDF is kept byte for byte. Its metadata (author, producer, dates, XMP) is NOT
    stripped: doing so means parsing and rewriting the PDF, which needs a PDF library
    (a large parser of untrusted input in the server process) and can alter what an
    agent has to verify — a bank's receipt, sometimes signed. Instead a PDF is only ever
    served as a download (`Content-Disposition: attachment`) in a sandbox with no
    script, so nothing in it runs on our origin."""
    if b"%%EOF" not in data[-_PDF_TAIL:]:
        raise Refused("corrupt", "the PDF is cut short (no %%EOF at its end)")
    return Checked(PDF, data)
