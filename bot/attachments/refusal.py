"""The one error of this package: a file we do not keep, and why (an HTTP status)."""

from __future__ import annotations

from typing import ClassVar


class Refused(Exception):
    """A file we do not keep. `reason` is one of too_large, type_refused, type_lying,
    corrupt, bomb; `status` the HTTP status it maps to (corrupt and bomb read the same to
    a user: the file cannot be opened)."""

    STATUS: ClassVar[dict[str, int]] = {"too_large": 413, "type_refused": 415,
                                        "type_lying": 415, "corrupt": 422, "bomb": 422}
    # The reply (responses/*.yml) that tells the trader, in their language.
    REPLY: ClassVar[dict[str, str]] = {
        "too_large": "attachment_too_large", "type_refused": "attachment_type_refused",
        "type_lying": "attachment_type_refused", "corrupt": "attachment_unreadable",
        "bomb": "attachment_unreadable"}

    def __init__(self, reason: str, why: str):
        super().__init__(why)
        self.reason = reason
        self.status = self.STATUS[reason]
        self.reply_key = self.REPLY[reason]

    @staticmethod
    def limit_in_mb(limit: int) -> str:
        """10, 2.5, 0.25: the limit as a trader reads it."""
        return f"{limit / (1024 * 1024):.2f}".rstrip("0").rstrip(".")
