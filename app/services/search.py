"""Search: chats and users by name, messages by words, only over chats the user belongs to.

On SQLite messages are matched with the FTS5 index (`messages_fts`, kept in sync by
triggers); on any other database the same function falls back to a case-insensitive
LIKE on every word.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Integer, and_, column, exists, func, or_, select, text
from sqlalchemy.orm import aliased

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


def search_messages(user_id: int, q: str, limit: int) -> list[dict[str, Any]]:
    """Messages from the user's chats containing every word of q, newest first (not deleted ones)."""
    words = _WORD.findall(q)[:8]
    if not words:
        return []
    mine = select(ChatMember.chat_id).where(ChatMember.user_id == user_id)
    stmt = select(Message).where(Message.chat_id.in_(mine), Message.deleted_at.is_(None))
    if db.engine.dialect.name == "sqlite":
        matched = text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q").bindparams(q=_fts_query(words))
        stmt = stmt.where(Message.id.in_(matched.columns(column("rowid", Integer))))
    else:
        stmt = stmt.where(and_(*(func.lower(Message.body).like(_like(w), escape="\\") for w in words)))
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
