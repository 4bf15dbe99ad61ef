"""Messages, the use cases: send (REST and socket alike), edit, delete, history, sync, read receipts, typing.

Delivery that loses nothing: a message's seq comes from the database inside the
sending write transaction, the transaction commits, and only then does the caller
get its ack and do the members get `message:new` (queued with emit_after_commit).
How a message is written (prepared statements, group commit) is the message store's
business: app/services/message_store.py. Shapes: app/shapes/messages.py.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select, update

from app.db import write_tx
from app.errors import Forbidden, NotFound, RateLimited, ValidationError
from app.events import emit_after_commit, emit_now
from app.events.messenger import ChatRead, MessageDeleted, MessageUpdated, Typing
from app.extensions import db
from app.models.base import utcnow
from app.models.chat import ChatMember, Message
from app.permissions import ADMIN_ROLES, access_chat, access_chat_members, access_message, member_ids
from app.ratelimit import limiter
from app.services import message_store
from app.shapes.messages import message_out, messages_out


def _check_body(body: str, allow_empty: bool) -> str:
    limit = current_app.config["MESSAGE_MAX_LENGTH"]
    if len(body) > limit:
        raise ValidationError.field(
            "body",
            "too_long",
            f"Must be at most {limit} characters.",
            max_length=limit,
            unit="characters",
            summary=f"A message is at most {limit} characters.",
        )
    if not body and not allow_empty:
        raise ValidationError.field("body", "required", "Write something.", summary="A message cannot be empty.")
    return body


def _take_send_token(user_id: int) -> None:
    config = current_app.config
    if not config["RATE_LIMITS"]:
        return
    allowed, retry_after = limiter().take(f"send:{user_id}", config["MESSAGE_RATE"], config["MESSAGE_BURST"])
    if not allowed:
        raise RateLimited(f"You are sending too fast; try again in {retry_after} s.", retry_after)


def send_message(
    user_id: int,
    chat_id: int,
    body: str,
    client_id: str | None = None,
    reply_to: int | None = None,
    attachment_id: int | None = None,
    track_id: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store a message and broadcast `message:new` after the commit; returns (message, created).

    Called by POST /api/messages and the `message:send` event. A repeated client_id
    returns the stored message with created=False and delivers nothing. Raises
    NotFound/Forbidden (not a member), ValidationError (body, reply_to, attachment),
    RateLimited (token bucket). With MESSAGE_GROUP_COMMIT on, concurrent sends share a
    transaction (app/group_commit.py); either way the answer comes only after the commit.
    """
    _take_send_token(user_id)
    body = _check_body(body, allow_empty=attachment_id is not None or track_id is not None)
    return message_store.submit(
        message_store._Send(user_id, chat_id, body, client_id, reply_to, attachment_id, track_id)
    )


def _not_service(message: Message) -> None:
    if message.kind == "service":
        raise Forbidden("A group's history cannot be edited or deleted.", {"reason": "service_message"})


def edit_message(user_id: int, message_id: int, body: str) -> dict[str, Any]:
    """Change a message's body (its sender only) and broadcast `message:updated`.

    Called by PATCH /api/messages/{id} and `message:edit`; NotFound/Forbidden/ValidationError.
    """
    body = _check_body(body, allow_empty=False)
    with write_tx():
        message, _chat, _member = access_message(user_id, message_id)
        _not_service(message)
        if message.sender_id != user_id:
            raise Forbidden("Only the sender may edit a message.", {"reason": "not_the_sender"})
        if message.deleted_at is not None:
            raise NotFound("This message was deleted.")
        message.body, message.edited_at = body, utcnow()
        out = message_out(message)
        emit_after_commit(MessageUpdated, out, member_ids(message.chat_id))
    return out


def delete_message(user_id: int, message_id: int) -> dict[str, Any]:
    """Soft-delete a message (its sender, or a group's owner/admin) and broadcast `message:deleted`.

    Called by DELETE /api/messages/{id} and `message:delete`; NotFound/Forbidden.
    """
    with write_tx():
        message, chat, member = access_message(user_id, message_id)
        _not_service(message)
        moderator = chat.type == "group" and member.role in ADMIN_ROLES
        if message.sender_id != user_id and not moderator:
            raise Forbidden("Only the sender or a group admin may delete a message.", {"reason": "not_the_sender"})
        if message.deleted_at is None:
            message.deleted_at = utcnow()
            message.body = ""
            out = message_out(message)
            emit_after_commit(MessageDeleted, out, member_ids(message.chat_id))
        else:
            out = message_out(message)
    return out


def history(
    user_id: int, chat_id: int, before: int | None, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of a chat's messages in seq order; `next` is the cursor for the following page.

    With `after`: messages with seq > after, oldest first (next = last seq). Otherwise the
    newest messages below `before` (next = first seq, to pass as `before`). NotFound/Forbidden.
    """
    access_chat(user_id, chat_id)
    stmt = select(Message).where(Message.chat_id == chat_id)
    if after is not None:
        rows = list(
            db.session.execute(stmt.where(Message.seq > after).order_by(Message.seq).limit(limit + 1)).scalars()
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return messages_out(rows), (rows[-1].seq if more and rows else None)
    if before is not None:
        stmt = stmt.where(Message.seq < before)
    rows = list(db.session.execute(stmt.order_by(Message.seq.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit][::-1]
    return messages_out(rows), (rows[0].seq if more and rows else None)


def sync(user_id: int, chat_id: int, after_seq: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """What a client missed: messages with seq > after_seq, in order, and whether more remain (`chat:sync`)."""
    items, next_cursor = history(user_id, chat_id, None, after_seq, limit)
    return items, next_cursor is not None


def mark_read(user_id: int, chat_id: int, seq: int) -> int:
    """Move the caller's read mark forward to `seq` (never back) and tell the members (`chat:read`).

    Called by POST /api/chats/{id}/read and the `chat:read` event; returns the read mark.
    """
    with write_tx() as session:
        chat, member = access_chat(user_id, chat_id)
        seq = min(seq, chat.last_seq)
        if seq > member.last_read_seq:
            session.execute(
                update(ChatMember.__table__)
                .where(ChatMember.__table__.c.id == member.id, ChatMember.__table__.c.last_read_seq < seq)
                .values(last_read_seq=seq)
            )
            emit_after_commit(ChatRead, {"chat_id": chat_id, "user_id": user_id, "seq": seq}, member_ids(chat_id))
            return seq
        return member.last_read_seq


def typing(user_id: int, chat_id: int, is_typing: bool) -> None:
    """Tell the other members that the caller is (or stopped) typing; nothing is stored."""
    others = [uid for uid in access_chat_members(user_id, chat_id) if uid != user_id]
    db.session.rollback()  # end the read transaction before network I/O
    emit_now(Typing, {"chat_id": chat_id, "user_id": user_id, "typing": is_typing}, others)
