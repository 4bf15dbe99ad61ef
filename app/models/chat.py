"""The messenger: chats, their members, messages and attachments.

A message's `seq` is assigned by the database (`UPDATE chats SET last_seq = last_seq + 1
RETURNING last_seq` in the sending transaction) and guarded by UNIQUE(chat_id, seq);
UNIQUE(chat_id, sender_id, client_id) makes a retried send return the stored copy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

CHAT_TYPES = ("direct", "group", "order")
ROLES = ("owner", "admin", "member")
ATTACHMENT_KINDS = ("image", "audio")


class Chat(db.Model):
    """A conversation: `direct` (one per pair of users), `group` (with roles) or `order` (marketplace)."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # "minid:maxid" for direct chats, so the database keeps one chat per pair.
    direct_key: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    # Order chats: the request whose order this is (kept when the customer refuses the executor and the
    # request's own chat_id is cleared). No foreign key: requests already point at chats.
    request_id: Mapped[int | None] = mapped_column(nullable=True, index=True)


class ChatMember(db.Model):
    """A user's membership of a chat: their role and how far they have read."""

    __tablename__ = "chat_members"
    __table_args__ = (
        UniqueConstraint("chat_id", "user_id", name="uq_chat_members_chat_user"),
        Index("ix_chat_members_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default="member")
    last_read_seq: Mapped[int] = mapped_column(default=0)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(db.Model):
    """An uploaded image or audio file, stored under a random name; bound to a chat on first use."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8))
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="SET NULL"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


MESSAGE_KINDS = ("text", "service")
# What a service message records in a group's history (`Message.system["action"]`).
SERVICE_ACTIONS = ("created", "added", "removed", "left", "renamed", "promoted", "demoted")


class Message(db.Model):
    """One message; deletion is soft (`deleted_at`), so seqs never get holes.

    `kind` "service" marks a group's own history (who created, added, removed, renamed, promoted
    whom): its sender is the actor, its body empty, `system` holds
    `{action, actor_id, target_id, name, role}`; it takes a seq like any message.
    """

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("chat_id", "seq", name="uq_messages_chat_seq"),
        UniqueConstraint("chat_id", "sender_id", "client_id", name="uq_messages_chat_sender_client"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reply_to: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), nullable=True)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"), nullable=True)
    # music: a shared track. No ON DELETE action (added by ALTER TABLE, which SQLite can do only without one):
    # deleting a track clears it from messages first (app.services.music.delete_track).
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # server_default: the hot path inserts text messages with a prebuilt statement that names no kind
    kind: Mapped[str] = mapped_column(String(8), default="text", server_default="text")
    system: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


# Full-text search over message bodies on SQLite: an FTS5 external-content table. Messages enter it in
# batches (app/services/search.py, index_new_messages, run by each worker's upkeep every quarter
# second): `messages_fts_mark` holds the highest message id indexed, and search matches the few
# messages above it with LIKE. An FTS5 insert per message cost more than the rest of its INSERT (a
# new index segment per transaction: 40 µs a message in groups of 3, against 33 µs for the row and
# its indexes; docs/PERFORMANCE.md, "Sixth session on issue 17"). The triggers keep what is already
# indexed in step with edits and deletes, and index at once a message whose id is at or below the
# mark (SQLite may hand out the id of a deleted last row again). Migration 0018 makes the same
# objects from 0002's; tests that use create_all() get them from this hook. PostgreSQL has none of
# this (search falls back to LIKE).
MESSAGES_FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5("
    "body, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TABLE IF NOT EXISTS messages_fts_mark (id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO messages_fts_mark (id, last_id) VALUES (1, 0)",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_ai AFTER INSERT ON messages "
    "WHEN new.id <= (SELECT last_id FROM messages_fts_mark) BEGIN "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_ad AFTER DELETE ON messages "
    "WHEN old.id <= (SELECT last_id FROM messages_fts_mark) BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_au AFTER UPDATE OF body ON messages "
    "WHEN old.id <= (SELECT last_id FROM messages_fts_mark) BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
)
MESSAGES_FTS_DROP = (
    "DROP TRIGGER IF EXISTS messages_fts_au",
    "DROP TRIGGER IF EXISTS messages_fts_ad",
    "DROP TRIGGER IF EXISTS messages_fts_ai",
    "DROP TABLE IF EXISTS messages_fts_mark",
    "DROP TABLE IF EXISTS messages_fts",
)


def alembic_include_name(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic autogenerate filter: the FTS5 table and its shadow tables are not models."""
    return not (type_ == "table" and name is not None and name.startswith("messages_fts"))


for _statement in MESSAGES_FTS_DDL:
    event.listen(Message.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in MESSAGES_FTS_DROP:
    event.listen(Message.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))
