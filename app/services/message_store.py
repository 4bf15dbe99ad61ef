"""The message store: how messages get their seq and reach the database.

The hot path of the whole product (message:send) runs here as prebuilt statements on the DBAPI
cursor (app/rawsql.py), and concurrent sends of a process share one transaction (group commit,
app/group_commit.py). Group chats' service messages (their own history) take their seq here too, from
the same counter, so a chat's seqs stay gapless whatever kind of message holds them. The use cases
(checks of the body, rate limits, edit, delete, history...) live in app/services/messages.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.db import write_tx
from app.errors import DomainError, ValidationError
from app.events import emit_after_commit
from app.events.messenger import MessageNew
from app.extensions import db
from app.group_commit import GroupCommit, GroupJob, each_alone
from app.models import User
from app.models.base import isoformat, utcnow
from app.models.chat import Attachment, Chat, ChatMember, Message
from app.permissions import access_chat_members, check_can_message
from app.rawsql import Prepared
from app.shapes.messages import attachment_out, message_dict, message_out, messages_out
from app.shapes.music import tracks_by_id
from app.shapes.users import brief_values


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
_INSERT_COLUMNS = (
    "chat_id",
    "seq",
    "sender_id",
    "body",
    "client_id",
    "reply_to",
    "attachment_id",
    "track_id",
    "created_at",
)
_INSERT = Prepared(
    insert(_MSG)
    .values({name: bindparam(f"p_{name}", type_=_MSG.c[name].type) for name in _INSERT_COLUMNS})
    .values(kind="text")  # a value of the statement itself: Prepared runs no column defaults
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
    return brief_values(*_SENDER.rows(conn, {"p_sender": user_id})[0])


@dataclass(slots=True)
class _Send(GroupJob):
    """One message:send waiting for its transaction (app/group_commit.py)."""

    user_id: int
    chat_id: int
    body: str
    client_id: str | None
    reply_to: int | None
    attachment_id: int | None
    track_id: int | None = None


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
        if target is None or target.chat_id != chat_id or target.kind != "text":
            raise ValidationError.field(
                "reply_to", "unknown_message", "Must be a message of this chat.",
                summary="reply_to must be a message of this chat.",
            )  # fmt: skip
    if job.attachment_id is not None:
        attachment = session.get(Attachment, job.attachment_id)
        if attachment is None or attachment.owner_id != user_id or attachment.chat_id not in (None, chat_id):
            raise ValidationError.field(
                "attachment_id", "unknown_attachment", "Must be your own upload.",
                summary="attachment_id must be your own upload.",
            )  # fmt: skip
        attachment.chat_id = chat_id
        session.flush()
    track = tracks_by_id([job.track_id], None).get(job.track_id) if job.track_id is not None else None
    if job.track_id is not None and track is None:
        raise ValidationError("track_id must be an existing track.", {"fields": {"track_id": "bad"}})
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
            "p_track_id": job.track_id,
            "p_created_at": now,
        },
    )
    # The sender has read their own chat up to here.
    _MARK_OWN_READ.run(conn, {"p_chat": chat_id, "p_sender": user_id, "p_seq": seq})
    out = message_dict(
        id=message_id,
        chat_id=chat_id,
        seq=seq,
        sender=_sender_brief(conn, user_id),
        body=job.body,
        client_id=job.client_id,
        reply_to=job.reply_to,
        attachment=attachment_out(attachment) if attachment is not None else None,
        track=track,
        created_at=isoformat(now),
    )
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
        each_alone(jobs, _send_alone)


_group_commit: GroupCommit[_Send] = GroupCommit(commit_group, "message:send")


def submit(job: _Send) -> tuple[dict[str, Any], bool]:
    """Store one send: in a shared transaction when MESSAGE_GROUP_COMMIT is on, else in its own."""
    if current_app.config["MESSAGE_GROUP_COMMIT"]:
        return _group_commit.run(job)
    return _send_alone(job)


def append_service(
    chat: Chat,
    actor_id: int,
    action: str,
    target_id: int | None = None,
    name: str | None = None,
    role: str | None = None,
) -> dict[str, Any]:
    """Store a service message in a group's history with the chat's next seq; returns it serialised.

    Call inside the caller's write_tx() (the change it records commits with it); the caller emits
    `message:new` to the members when it chooses (after its own events). The chat's cached seq
    columns are expired: the database counted the seq.
    """
    session = db.session
    conn = session.connection()
    now = utcnow()
    seq = _NEXT_SEQ.scalar(conn, {"p_chat": chat.id, "p_now": now})
    system = {"action": action, "actor_id": actor_id, "target_id": target_id, "name": name, "role": role}
    message_id = session.execute(
        insert(Message)
        .values(chat_id=chat.id, seq=seq, sender_id=actor_id, body="", kind="service", system=system, created_at=now)
        .returning(Message.id)
    ).scalar_one()
    session.expire(chat, ["last_seq", "last_message_at"])
    return messages_out([session.get(Message, message_id)])[0]


__all__ = ["append_service", "commit_group", "submit"]
