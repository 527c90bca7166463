"""Images are decoded and written again: what is stored is the pixels, nothing else.

A phone photo carries EXIF (GPS position, device, time), XMP and comments; a screenshot
may carry the editing app and the user's name. Re-encoding drops all of it, and it also
means we never serve a byte sequence a client chose (a polyglot PNG that is also HTML or
a ZIP ends up as plain pixels).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps

from bot.attachments.refusal import Refused

# A decompression bomb is a small file that decodes to a huge bitmap (a 50 KB PNG of
# 30,000 x 30,000 pixels takes 3.6 GB of memory). The header gives the size before any
# pixel is decoded; above this many pixels the file is refused. 40 MP covers every phone
# camera and screenshot (a 4K screen is 8.3 MP).
MAX_PIXELS = 40_000_000
THUMBNAIL_SIDE = 320  # the long side of a thumbnail, in pixels

_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "PNG": {}, "JPEG": {"quality": 90}, "WEBP": {"quality": 90}}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def clean(data: bytes, content_type: str, max_pixels: int = MAX_PIXELS) -> CleanImage:
    """The image re-encoded in its own format without metadata, and a thumbnail.
    Raises checks.Refused ("bomb" or "corrupt"); never lets a decoder error through."""
    expected = _FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; both are errors here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as opened:
                width, height = opened.size
                if width <= 0 or height <= 0 or width * height > max_pixels:
                    raise Refused("bomb", f"{width}x{height} pixels is over the limit")
                # A truncated file fails here (Pillow's LOAD_TRUNCATED_IMAGES is off), rather
                # than being stored as half a grey picture.
                opened.load()
                # The phone's rotation is applied to the pixels, since the EXIF tag that
                # said how to rotate them is about to go.
                upright = ImageOps.exif_transpose(opened)
                pixels = _without_metadata(upright if upright is not None else opened)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused("bomb", "the image decodes to too many pixels") from None
    except Exception as error:  # Pillow raises many kinds: OSError, SyntaxError, ValueError…
        raise Refused("corrupt", f"the image cannot be decoded: {type(error).__name__}") from None
    return CleanImage(_encode(pixels, expected), _thumbnail(pixels, expected),
                      pixels.width, pixels.height)


def _without_metadata(image: Image.Image) -> Image.Image:
    """A copy holding pixels only: `info` carries EXIF, XMP, ICC, comments and text chunks,
    and some encoders write back whatever they find there. Transparency is pixel data."""
    copy = image.copy()
    transparency = image.info.get("transparency")
    copy.info = {} if transparency is None else {"transparency": transparency}
    if copy.mode == "P" and copy.palette is not None and copy.palette.mode not in ("RGB", "RGBA"):
        copy = copy.convert("RGBA")
    return copy


def _encode(image: Image.Image, fmt: str) -> bytes:
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=fmt, **_SAVE_OPTIONS[fmt])
    return out.getvalue()


def _thumbnail(image: Image.Image, fmt: str) -> bytes:
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return _encode(small, fmt)
