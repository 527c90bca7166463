"""Tables shared by every server process. Times are UNIX seconds (float) everywhere.

Text columns hold redacted text only: the secrets scanner runs before anything is stored.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()
# Keys are 8 bytes on PostgreSQL (SQLite's INTEGER already is, and its rowid alias must be
# spelled INTEGER to autoincrement). The API accepts ids up to MAX_ID and no further.
Key = BigInteger().with_variant(Integer(), "sqlite")
MAX_ID = 2**63 - 1

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", Float, nullable=False),
)

conversations = Table(
    "conversations", metadata,
    Column("id", String(36), primary_key=True),
    Column("channel", String(32), nullable=False),  # web | telegram | api
    Column("channel_key", String(128), nullable=False),  # who, within the channel
    Column("user_label", String(128)),  # what an agent sees: "@alice", "web visitor"
    Column("lang", String(8)),
    Column("script", String(8)),
    Column("state", String(16), nullable=False),  # bot | queued | with_agent | closed
    Column("dialogue", JSON, nullable=False),  # the policy's memory between turns
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("closed_at", Float),
    Column("resolved_by", String(16)),  # bot | agent
    Column("csat", Integer),
    # Push channels (Telegram): the last bot/agent message delivered to the user.
    Column("delivered_upto", Key, nullable=False, default=0),
    Column("unreachable_since", Float),  # the user blocked the bot (push channels)
    # The exchange account behind the conversation, when the exchange vouched for it
    # (bot.identity: a signed widget token, or a Telegram user linked by a one-time code).
    Column("verified_uid", String(64)),
    Column("verified_email", String(254)),
    Column("verified_at", Float),
    Column("erased_at", Float),  # its transcript was erased (retention or a request)
    # The browser's locale given when the conversation was opened: the language hint of
    # a message that comes without one (an API client may send it only once).
    Column("locale", String(35)),
    Index("ix_conversations_channel_key", "channel", "channel_key"),
)

messages = Table(
    "messages", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("conversation_id", String(36), ForeignKey("conversations.id"), nullable=False),
    Column("author", String(16), nullable=False),  # user | bot | agent | system
    Column("author_name", String(64)),
    Column("text", Text, nullable=False),
    Column("kind", String(24), nullable=False, default="text"),
    Column("payload", JSON),  # quick replies, understanding summary, notice data
    Column("client_message_id", String(80)),
    Column("client_seq", Integer),  # the widget numbers its messages: stored in that order
    Column("reply_to", Key),  # outbound: the inbound message it answers
    Column("processed", Boolean, nullable=False, default=True),  # inbound: turn completed
    Column("created_at", Float, nullable=False),
    UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_id"),
    Index("ix_messages_conversation", "conversation_id", "id"),
    # Few rows: messages stored and not answered yet (the orphan sweep reads them).
    Index("ix_messages_unanswered", "id", postgresql_where=text("processed = false"),
          sqlite_where=text("processed = 0")),
)

handoffs = Table(
    "handoffs", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),  # the user's case number
    Column("conversation_id", String(36), ForeignKey("conversations.id"), nullable=False),
    Column("status", String(16), nullable=False),  # queued | assigned | closed
    Column("priority", Integer, nullable=False),  # 1 (P1) … 4 (P4)
    Column("reason", String(40), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("intent", String(40)),
    Column("packet", JSON, nullable=False),
    Column("queued_at", Float, nullable=False),
    Column("agent_id", Key, ForeignKey("agents.id")),
    Column("assigned_at", Float),
    Column("first_assigned_at", Float),
    Column("closed_at", Float),
    Column("resolution", Text),
    Column("incident_id", Key),  # the declared incident the case is about (grouped on the desk)
    Index("ix_handoffs_queue", "status", "priority", "queued_at"),
    Index("ix_handoffs_conversation", "conversation_id"),
)

agents = Table(
    "agents", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(64), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("languages", JSON, nullable=False),
    Column("capacity", Integer, nullable=False),
    # agent | supervisor (reads every case; see handoff/visibility.py)
    Column("role", String(16), nullable=False, server_default="agent"),
    Column("active", Boolean, nullable=False, default=True),
    # Second factor (bot.agent_auth): the TOTP secret sealed with the server's key, and when
    # enrolment was confirmed by a first valid code (null: not enrolled).
    Column("totp_secret", LargeBinary),
    Column("totp_enabled_at", Float),
    # The time step (unix time // 30) of the last code accepted: a code is good once.
    Column("totp_last_step", Integer),
    Column("last_heartbeat", Float),
    Column("created_at", Float, nullable=False),
)

agent_sessions = Table(
    "agent_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the bearer token
    Column("agent_id", Key, ForeignKey("agents.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    # When the session passed the second factor; null: password only (it may enrol or
    # verify, nothing else).
    Column("second_factor_at", Float),
)

events = Table(
    "events", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("conversation_id", String(36)),
    Column("kind", String(40), nullable=False),
    Column("data", JSON),
    Column("created_at", Float, nullable=False),
    Index("ix_events_kind", "kind", "created_at"),
)

# Seed words that ended a user's message, held back until the next message (or a short
# timeout) says whether they began a seed phrase. Encrypted with a key that lives only in
# the server processes' memory and environment (bot.conversations.withheld): the words never
# reach the disk in clear. A row with an empty ciphertext only carries the fact that the
# user named a seed phrase, for reading the next message.
withheld_fragments = Table(
    "withheld_fragments", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("conversation_id", String(36), ForeignKey("conversations.id"), nullable=False),
    Column("message_id", Key),  # the message whose text holds the marker
    Column("ciphertext", LargeBinary, nullable=False),
    # Which key sealed it (a hash of the key, not the key): a server holding another key
    # leaves the row alone instead of calling it unreadable.
    Column("key_id", String(16), nullable=False),
    Column("seed_context", Boolean, nullable=False, default=False),
    Column("wordlist", String(32)),  # the BIP39 list of the phrase or words (not secret)
    Column("created_at", Float, nullable=False),
    Index("ix_withheld_conversation", "conversation_id", "id"),
    Index("ix_withheld_created", "created_at"),
)

# Every update a push channel (Telegram) received, recorded before the platform is told:
# polling confirms an offset only once its updates are here, a webhook answers 200 only
# then. It holds no user text: a text goes to `messages` (scanned and redacted) in the same
# transaction, and `payload` keeps only what the bot itself generated or the platform's
# ids (button data, the kind of a sticker or a member change). Handled in order per chat.
inbox = Table(
    "inbox", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("platform_id", String(64), nullable=False),  # Telegram: the update id
    Column("chat_key", String(128), nullable=False),  # one chat's updates go in order
    Column("kind", String(16), nullable=False),  # text | edit | button | event | group_post
    Column("conversation_id", String(36)),
    Column("message_id", Key),  # the stored message of a text
    Column("payload", JSON),
    Column("state", String(12), nullable=False),  # pending | done | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("received_at", Float, nullable=False),
    Column("handled_at", Float),
    UniqueConstraint("channel", "platform_id", name="uq_inbox_platform_id"),
    Index("ix_inbox_state", "state", "id"),
)

# What happened to each bot, agent and system message sent through a push channel. The
# conversation's `delivered_upto` is the cursor (messages go out in order); this is the
# record of each attempt's outcome: sent (with the platform's message ids), maybe_sent (a
# timeout after the request left: not sent again, see the README), refused (the platform
# said no for good: the user blocked the bot, or the chat is gone).
deliveries = Table(
    "deliveries", metadata,
    Column("message_id", Key, ForeignKey("messages.id"), primary_key=True),
    Column("conversation_id", String(36), nullable=False),
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("platform_ids", JSON),
    Column("detail", String(200)),
    Column("updated_at", Float, nullable=False),
    Index("ix_deliveries_conversation", "conversation_id", "message_id"),
)

# Files sent in a conversation (bot.attachments): what they are and who sent them. The
# bytes live in `attachment_blobs` on PostgreSQL (every server host reads the same
# database) and in files under the data directory on SQLite (one host).
attachments = Table(
    "attachments", metadata,
    Column("id", String(32), primary_key=True),  # random uuid4 hex: unguessable
    Column("conversation_id", String(36), ForeignKey("conversations.id"), nullable=False),
    Column("message_id", Key, ForeignKey("messages.id")),  # the chat message that shows it
    Column("author", String(16), nullable=False),  # user | agent
    Column("author_name", String(64)),
    Column("filename", String(120), nullable=False),  # sanitised display name
    Column("content_type", String(64), nullable=False),  # sniffed from the bytes
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("has_thumbnail", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Index("ix_attachments_conversation", "conversation_id", "created_at"),
)

attachment_blobs = Table(
    "attachment_blobs", metadata,
    Column("attachment_id", String(32), ForeignKey("attachments.id", ondelete="CASCADE"),
           primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("thumbnail", LargeBinary),
)

# Who is typing in a conversation (bot.conversations.typing): short-lived marks, in the
# database because the widget's socket and the console may be served by two processes.
typing_marks = Table(
    "typing_marks", metadata,
    Column("conversation_id", String(36), primary_key=True),
    Column("side", String(8), primary_key=True),  # user | agent
    Column("name", String(64)),  # the agent's display name
    Column("until", Float, nullable=False),
)

# Which agent read which case, and when (handoff/audit.py): transcripts are personal data.
audit_log = Table(
    "audit_log", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("agent_id", Key, nullable=False),
    Column("username", String(64), nullable=False),
    Column("action", String(32), nullable=False),  # read_transcript | read_attachment
    Column("handoff_id", Key),
    Column("conversation_id", String(36)),
    # Whom or what the action was about when it is not a case (reset_second_factor: the
    # agent whose second factor was reset).
    Column("subject", String(64)),
    Column("at", Float, nullable=False),
    Index("ix_audit_log_handoff", "handoff_id", "at"),
)

# ---- Running it at a real exchange (0.9.0) ----

# Telegram users who proved, with a one-time code from their logged-in account page, which
# exchange account they are (bot.identity.linking).
identity_links = Table(
    "identity_links", metadata,
    Column("channel", String(32), primary_key=True),
    Column("channel_key", String(128), primary_key=True),
    Column("uid", String(64), nullable=False),
    Column("linked_at", Float, nullable=False),
)

link_codes = Table(
    "link_codes", metadata,
    Column("code_hash", String(64), primary_key=True),  # sha256 of the code, never the code
    Column("uid", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
)

# One-time recovery codes for an agent who lost their authenticator (hashes only).
agent_recovery_codes = Table(
    "agent_recovery_codes", metadata,
    Column("agent_id", Key, ForeignKey("agents.id"), primary_key=True),
    Column("code_hash", String(64), primary_key=True),
    Column("used_at", Float),
)

# Calls to other systems that must not be lost nor block a turn (bot.ops.webhooks): the
# on-call page when a P1 waits with nobody online, the exchange's "freeze withdrawals".
# Stored first, sent by a background worker with retries and backoff.
webhook_outbox = Table(
    "webhook_outbox", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # page | freeze
    Column("handoff_id", Key),
    Column("conversation_id", String(36)),
    Column("body", JSON, nullable=False),
    Column("state", String(12), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_error", String(200)),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float),
    Index("ix_webhook_outbox_due", "state", "next_attempt_at"),
)

# A declared incident (an outage, a market crash): its banner in each language and the
# words that tie a message to it (bot.incidents).
incidents = Table(
    "incidents", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("title", String(120), nullable=False),
    Column("banner", JSON, nullable=False),  # {lang: text}
    Column("keywords", JSON, nullable=False),  # [word, ...]
    Column("started_by", String(64), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float),
    # The template it was declared from (responses/incidents.yml), the intents that tie a
    # message to it, and who ended it.
    Column("template", String(40)),
    Column("intents", JSON),  # [intent, ...]
    Column("ended_by", String(64)),
)
