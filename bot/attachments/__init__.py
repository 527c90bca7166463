"""Files traders and agents send in a conversation: screenshots, receipts (PNG, JPEG,
WebP, PDF).

- `checks`: what a file is, decided by its bytes, and whether it may be kept;
- `images`: images are decoded and written again, without their metadata;
- `names`: file names safe to store and to send back in headers;
- `storage`: where the bytes live (files beside SQLite, rows in PostgreSQL) and the
  `attachments` record;
- `service`: upload (the file, its record and the chat message in one go) and read.

This package is the only code that touches the `attachments` and `attachment_blobs`
tables (tests/test_architecture.py)."""

from __future__ import annotations

from bot.attachments.checks import Refused
from bot.attachments.service import (
    Uploaded,
    agent_upload,
    read_attachment,
    user_upload,
)
from bot.attachments.storage import AttachmentMeta, AttachmentStore, attachment_store

__all__ = ["AttachmentMeta", "AttachmentStore", "Refused", "Uploaded", "agent_upload",
           "attachment_store", "read_attachment", "user_upload"]
