"""Messages: send (REST and socket alike), edit, delete, history, sync, read receipts, typing.

Delivery that loses nothing: a message's seq comes from the database inside the
sending write transaction, the transaction commits, and only then does the caller
get its ack and do the members get `message:new` (queued with emit_after_commit).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.db import write_tx
from app.errors import DomainError, Forbidden, NotFound, RateLimited, ValidationError
from app.events import emit_after_commit, emit_now
from app.events.messenger import ChatRead, MessageDeleted, MessageNew, MessageUpdated, Typing
from app.extensions import db
from app.models import User
from app.models.base import isoformat, utcnow
from app.models.chat import Attachment, Chat, ChatMember, Message
from app.permissions import (
    ADMIN_ROLES,
    access_chat,
    access_chat_members,
    access_message,
    check_can_message,
    member_ids,
)
from app.ratelimit import limiter
from app.rawsql import Prepared
from app.shapes.users import brief


def attachment_out(attachment: Attachment) -> dict[str, Any]:
    """An attachment as messages show it."""
    return {
        "id": attachment.id,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "name": attachment.original_name,
        "url": f"/api/attachments/{attachment.id}",
    }


def messages_out(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Serialise messages as the contract shows them (senders and attachments in two queries)."""
    messages = list(messages)
    sender_ids = {m.sender_id for m in messages}
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(sender_ids))).scalars()}
    attachment_ids = {m.attachment_id for m in messages if m.attachment_id and m.deleted_at is None}
    attachments = {}
    if attachment_ids:
        rows = db.session.execute(select(Attachment).where(Attachment.id.in_(attachment_ids))).scalars()
        attachments = {a.id: a for a in rows}
    out = []
    for m in messages:
        deleted = m.deleted_at is not None
        attachment = attachments.get(m.attachment_id) if m.attachment_id else None
        out.append(
            {
                "id": m.id,
                "chat_id": m.chat_id,
                "seq": m.seq,
                "sender": brief(users[m.sender_id]),
                "body": "" if deleted else m.body,
                "client_id": m.client_id,
                "reply_to": m.reply_to,
                "attachment": attachment_out(attachment) if attachment and not deleted else None,
                "created_at": isoformat(m.created_at),
                "edited_at": isoformat(m.edited_at),
                "deleted": deleted,
            }
        )
    return out


def message_out(message: Message) -> dict[str, Any]:
    """One message as the contract shows it."""
    return messages_out([message])[0]


def _check_body(body: str, allow_empty: bool) -> str:
    limit = current_app.config["MESSAGE_MAX_LENGTH"]
    if len(body) > limit:
        raise ValidationError(f"A message is at most {limit} characters.", {"fields": {"body": f"max {limit}"}})
    if not body and not allow_empty:
        raise ValidationError("A message cannot be empty.", {"fields": {"body": "empty"}})
    return body


def _take_send_token(user_id: int) -> None:
    config = current_app.config
    if not config["RATE_LIMITS"]:
        return
    allowed, retry_after = limiter().take(f"send:{user_id}", config["MESSAGE_RATE"], config["MESSAGE_BURST"])
    if not allowed:
        raise RateLimited(f"You are sending too fast; try again in {retry_after} s.", retry_after)


def _by_client_id(chat_id: int, sender_id: int, client_id: str) -> Message | None:
    return db.session.execute(
        select(Message).where(
            Message.chat_id == chat_id, Message.sender_id == sender_id, Message.client_id == client_id
        )
    ).scalar_one_or_none()


# The hot path of the whole product (message:send) as prebuilt statements, run on the DBAPI cursor
# (app/rawsql.py): no ORM unit of work, no statement building and no Core execution layer per call
# (see docs/PERFORMANCE.md, "Profiles and fixes").
_MSG, _CHAT, _MEMBER, _USER = Message.__table__, Chat.__table__, ChatMember.__table__, User.__table__
_SENT_BEFORE = Prepared(
    select(_MSG.c.id).where(
        _MSG.c.chat_id == bindparam("p_chat"),
        _MSG.c.sender_id == bindparam("p_sender"),
        _MSG.c.client_id == bindparam("p_client"),
    )
)
# The database hands out the seq: the row lock (or SQLite's write lock) orders concurrent senders,
# and UNIQUE(chat_id, seq) backs it up.
_NEXT_SEQ = Prepared(
    update(_CHAT)
    .where(_CHAT.c.id == bindparam("p_chat"))
    .values(last_seq=_CHAT.c.last_seq + 1, last_message_at=bindparam("p_now", type_=_CHAT.c.last_message_at.type))
    .returning(_CHAT.c.last_seq)
)
_INSERT_COLUMNS = ("chat_id", "seq", "sender_id", "body", "client_id", "reply_to", "attachment_id", "created_at")
_INSERT = Prepared(
    insert(_MSG)
    .values({name: bindparam(f"p_{name}", type_=_MSG.c[name].type) for name in _INSERT_COLUMNS})
    .returning(_MSG.c.id)
)
_MARK_OWN_READ = Prepared(
    update(_MEMBER)
    .where(_MEMBER.c.chat_id == bindparam("p_chat"), _MEMBER.c.user_id == bindparam("p_sender"))
    .values(last_read_seq=bindparam("p_seq"))
)
_SENDER = Prepared(
    select(_USER.c.id, _USER.c.username, _USER.c.display_name, _USER.c.avatar).where(
        _USER.c.id == bindparam("p_sender")
    )
)


def _sender_brief(conn: Any, user_id: int) -> dict[str, Any]:
    uid, username, display_name, avatar = _SENDER.rows(conn, {"p_sender": user_id})[0]
    avatar_url = f"/media/avatars/{avatar}" if avatar else None
    return {"id": uid, "username": username, "display_name": display_name, "avatar_url": avatar_url}


@dataclass(slots=True)
class _Send:
    """One message:send waiting for its transaction (see _GroupCommit)."""

    user_id: int
    chat_id: int
    body: str
    client_id: str | None
    reply_to: int | None
    attachment_id: int | None
    result: tuple[dict[str, Any], bool] | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False


def _store(session: Any, job: _Send) -> tuple[dict[str, Any], bool]:
    """Inside a write transaction: check one send, then write it and queue its `message:new`.

    Every check that can refuse the send runs before its first write, so a refused send leaves the
    transaction as it found it (what lets a group of sends share one transaction).
    """
    conn = session.connection()
    user_id, chat_id = job.user_id, job.chat_id
    audience = access_chat_members(user_id, chat_id)
    check_can_message(user_id, chat_id, audience)  # blocked by the other person of a direct chat
    if job.client_id is not None:
        existing = _SENT_BEFORE.scalar(conn, {"p_chat": chat_id, "p_sender": user_id, "p_client": job.client_id})
        if existing is not None:
            return message_out(session.get(Message, existing)), False
    attachment = None
    if job.reply_to is not None:
        target = session.get(Message, job.reply_to)
        if target is None or target.chat_id != chat_id:
            raise ValidationError("reply_to must be a message of this chat.", {"fields": {"reply_to": "bad"}})
    if job.attachment_id is not None:
        attachment = session.get(Attachment, job.attachment_id)
        if attachment is None or attachment.owner_id != user_id or attachment.chat_id not in (None, chat_id):
            raise ValidationError("attachment_id must be your own upload.", {"fields": {"attachment_id": "bad"}})
        attachment.chat_id = chat_id
        session.flush()
    now = utcnow()
    seq = _NEXT_SEQ.scalar(conn, {"p_chat": chat_id, "p_now": now})
    message_id = _INSERT.scalar(
        conn,
        {
            "p_chat_id": chat_id,
            "p_seq": seq,
            "p_sender_id": user_id,
            "p_body": job.body,
            "p_client_id": job.client_id,
            "p_reply_to": job.reply_to,
            "p_attachment_id": job.attachment_id,
            "p_created_at": now,
        },
    )
    # The sender has read their own chat up to here.
    _MARK_OWN_READ.run(conn, {"p_chat": chat_id, "p_sender": user_id, "p_seq": seq})
    out = {
        "id": message_id,
        "chat_id": chat_id,
        "seq": seq,
        "sender": _sender_brief(conn, user_id),
        "body": job.body,
        "client_id": job.client_id,
        "reply_to": job.reply_to,
        "attachment": attachment_out(attachment) if attachment is not None else None,
        "created_at": isoformat(now),
        "edited_at": None,
        "deleted": False,
    }
    emit_after_commit(MessageNew, out, audience)
    return out, True


def _send_alone(job: _Send) -> tuple[dict[str, Any], bool]:
    """One send in a transaction of its own."""
    try:
        with write_tx() as session:
            return _store(session, job)
    except IntegrityError:
        # A concurrent retry with the same client_id won the race (possible on PostgreSQL): return its copy.
        db.session.rollback()
        existing = _by_client_id(job.chat_id, job.user_id, job.client_id) if job.client_id else None
        if existing is None:
            raise
        return message_out(existing), False


def commit_group(jobs: list[_Send]) -> None:
    """Store a group of sends in one write transaction and set each one's result or error.

    A send refused by a check (not a member, bad reply_to...) gets its error and the others go on.
    Anything else (a constraint, a deadlock, a lost connection) rolls the group back, and each send
    then runs alone, so one bad send never costs the others theirs. Chats are written in id order:
    two workers' groups lock chat rows in the same order and cannot deadlock each other.
    """
    try:
        with write_tx() as session:
            for job in sorted(jobs, key=lambda j: j.chat_id):
                try:
                    job.result = _store(session, job)
                except DomainError as exc:
                    job.error = exc
    except Exception:
        for job in jobs:
            job.result, job.error = None, None
            try:
                job.result = _send_alone(job)
            except Exception as exc:  # handed to that send's caller, who answers its client
                job.error = exc


class _GroupCommit:
    """Group commit for message:send: concurrent sends of this process share one transaction.

    Under load, each send's own BEGIN/COMMIT and the session plumbing around it were the largest
    part of the server's time (docs/PERFORMANCE.md). The first send to arrive leads: it yields once,
    so that the handlers already scheduled can queue their sends, then commits every queued send
    in one transaction and wakes the others, each with its own result. Nobody is answered before
    the transaction holding their message commits. The next waiting send, if any, leads the next
    group. Locks and events are green under eventlet and gevent (monkey-patched), real otherwise.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Send] = []
        self._busy = False
        self.groups = 0
        self.sends = 0

    def run(self, job: _Send) -> tuple[dict[str, Any], bool]:
        """Queue the send, lead a group or wait for one, and return the send's result (or raise its error)."""
        with self._lock:
            self._queue.append(job)
            lead = job.lead = not self._busy
            self._busy = True
        if not lead:
            job.done.wait()
        if job.lead:
            self._lead()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    def _lead(self) -> None:
        time.sleep(0)  # a cooperative yield: let the sends already on their way join this group
        with self._lock:
            group, self._queue = self._queue, []
        try:
            commit_group(group)
        finally:
            self.groups += 1
            self.sends += len(group)
            with self._lock:
                if self._queue:
                    nxt = self._queue[0]
                    nxt.lead = True
                    nxt.done.set()
                else:
                    self._busy = False
            for job in group:
                if job.result is None and job.error is None:  # the leader was interrupted mid-group
                    job.error = RuntimeError("the send was interrupted before its commit")
                job.done.set()


_group_commit = _GroupCommit()


def send_message(
    user_id: int,
    chat_id: int,
    body: str,
    client_id: str | None = None,
    reply_to: int | None = None,
    attachment_id: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store a message and broadcast `message:new` after the commit; returns (message, created).

    Called by POST /api/messages and the `message:send` event. A repeated client_id
    returns the stored message with created=False and delivers nothing. Raises
    NotFound/Forbidden (not a member), ValidationError (body, reply_to, attachment),
    RateLimited (token bucket). With MESSAGE_GROUP_COMMIT on, concurrent sends share a
    transaction (_GroupCommit); either way the answer comes only after the commit.
    """
    _take_send_token(user_id)
    body = _check_body(body, allow_empty=attachment_id is not None)
    job = _Send(user_id, chat_id, body, client_id, reply_to, attachment_id)
    if current_app.config["MESSAGE_GROUP_COMMIT"]:
        return _group_commit.run(job)
    return _send_alone(job)


def edit_message(user_id: int, message_id: int, body: str) -> dict[str, Any]:
    """Change a message's body (its sender only) and broadcast `message:updated`.

    Called by PATCH /api/messages/{id} and `message:edit`; NotFound/Forbidden/ValidationError.
    """
    body = _check_body(body, allow_empty=False)
    with write_tx():
        message, _chat, _member = access_message(user_id, message_id)
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
