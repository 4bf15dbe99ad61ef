"""Search: chats and users by name, messages by words, only over chats the user belongs to.

On SQLite messages are matched with the FTS5 index (`messages_fts`). Messages enter it in batches,
`index_new_messages()` run by each worker's upkeep every quarter second (app/models/chat.py says why),
and the few written since the last batch are matched with LIKE, so a message is found the moment it
is stored. On any other database the same function uses a case-insensitive LIKE on every word.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Integer, and_, column, exists, func, or_, select, text
from sqlalchemy.orm import aliased

from app.db import write_tx
from app.extensions import db
from app.models import User
from app.models.chat import Chat, ChatMember, Message
from app.services.chats import list_items
from app.services.users import search_users
from app.shapes.messages import messages_out
from app.shapes.users import brief

_WORD = re.compile(r"\w+", re.UNICODE)


def _like(word: str) -> str:
    return "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_query(words: list[str]) -> str:
    """Every word as a quoted prefix term: user input never reaches FTS5's query syntax."""
    return " ".join(f'"{w}"*' for w in words)


_INDEXED = text("SELECT last_id FROM messages_fts_mark WHERE id = 1").columns(column("last_id", Integer))
_NEW_SINCE = text("SELECT (SELECT max(id) FROM messages) > (SELECT last_id FROM messages_fts_mark WHERE id = 1)")
_INDEX_BATCH = text(
    "INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE id > :after AND id <= :upto ORDER BY id"
)
_MOVE_MARK = text("UPDATE messages_fts_mark SET last_id = :upto WHERE id = 1")


def index_new_messages(batch: int = 5_000) -> int:
    """SQLite: add the messages stored since the last call to the FTS index, `batch` at most, in one
    write transaction, and move the mark past them; returns how many ids it covered (0 elsewhere).

    Safe to run from several workers at once: the mark is read under the write lock.
    """
    if db.engine.dialect.name != "sqlite" or not db.session.execute(_NEW_SINCE).scalar():
        return 0
    with write_tx() as session:
        after = session.execute(_INDEXED).scalar_one()
        newest = session.execute(text("SELECT max(id) FROM messages")).scalar_one()
        if newest is None:  # every message deleted since the check above
            return 0
        upto = min(newest, after + batch)
        if upto <= after:
            return 0
        session.execute(_INDEX_BATCH, {"after": after, "upto": upto})
        session.execute(_MOVE_MARK, {"upto": upto})
    return upto - after


def _has_words(words: list[str]) -> Any:
    return and_(*(func.lower(Message.body).like(_like(w), escape="\\") for w in words))


def search_messages(user_id: int, q: str, limit: int) -> list[dict[str, Any]]:
    """Messages from the user's chats containing every word of q, newest first (not deleted ones)."""
    words = _WORD.findall(q)[:8]
    if not words:
        return []
    mine = select(ChatMember.chat_id).where(ChatMember.user_id == user_id)
    stmt = select(Message).where(Message.chat_id.in_(mine), Message.deleted_at.is_(None))
    if db.engine.dialect.name == "sqlite":
        indexed = (
            select(column("rowid", Integer))
            .select_from(text("messages_fts"))
            .where(text("messages_fts MATCH :q").bindparams(q=_fts_query(words)))
        )
        # What the last batch has not reached yet (a quarter second's messages): matched with LIKE.
        newest = select(Message.id).where(Message.id > _INDEXED.scalar_subquery(), _has_words(words))
        stmt = stmt.where(Message.id.in_(indexed.union_all(newest)))
    else:
        stmt = stmt.where(_has_words(words))
    rows = db.session.execute(stmt.order_by(Message.id.desc()).limit(limit)).scalars()
    return messages_out(rows)


def search_chats(user_id: int, q: str, limit: int) -> list[dict[str, Any]]:
    """The user's chats whose name, or (direct and order chats) whose other member's name, contains q."""
    pattern = _like(q.strip())
    other = aliased(ChatMember)
    peer_matches = exists(
        select(other.id)
        .join(User, User.id == other.user_id)
        .where(
            other.chat_id == Chat.id,
            other.user_id != user_id,
            or_(
                User.username_lower.like(pattern, escape="\\"), func.lower(User.display_name).like(pattern, escape="\\")
            ),
        )
    )
    rows = db.session.execute(
        select(Chat, ChatMember)
        .join(ChatMember, ChatMember.chat_id == Chat.id)
        .where(
            ChatMember.user_id == user_id,
            or_(func.lower(Chat.name).like(pattern, escape="\\"), and_(Chat.type != "group", peer_matches)),
        )
        .order_by(func.coalesce(Chat.last_message_at, Chat.created_at).desc())
        .limit(limit)
    ).all()
    return list_items(user_id, list(rows))  # drawn like the chat list: peer, last message, unread


def search(user_id: int, q: str, limit: int) -> dict[str, Any]:
    """Chats, users and messages matching q (GET /api/search)."""
    users, _next = search_users(q.strip(), limit, None)
    return {
        "chats": search_chats(user_id, q, limit),
        "users": [brief(u) for u in users],
        "messages": search_messages(user_id, q, limit),
    }
