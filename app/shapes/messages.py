"""Message shapes: a message and its attachment as the contract shows them (schemas: MessageOut).

`message_dict` is the one place a message's dict is written: the ORM path (`messages_out`,
history and events) and the send hot path (app/services/message_store.py, which has the
values in hand and must not query again) both go through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.base import isoformat
from app.models.chat import Attachment, Message
from app.shapes.music import tracks_by_id
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


def message_dict(
    *,
    id: int,
    chat_id: int,
    seq: int,
    sender: dict[str, Any],
    body: str,
    client_id: str | None,
    reply_to: int | None,
    attachment: dict[str, Any] | None,
    created_at: str | None,
    track: dict[str, Any] | None = None,
    edited_at: str | None = None,
    deleted: bool = False,
    kind: str = "text",
    system: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message as the contract shows it, from values already serialised (briefs, ISO times)."""
    return {
        "id": id,
        "chat_id": chat_id,
        "seq": seq,
        "sender": sender,
        "body": body,
        "client_id": client_id,
        "reply_to": reply_to,
        "attachment": attachment,
        "track": track,
        "created_at": created_at,
        "edited_at": edited_at,
        "deleted": deleted,
        "kind": kind,
        "system": system,
    }


def system_out(stored: dict[str, Any] | None, users: dict[int, User]) -> dict[str, Any] | None:
    """A service message's `system` on the wire: actor and target as user briefs."""
    if not stored:
        return None
    target = users.get(stored.get("target_id")) if stored.get("target_id") else None
    return {
        "action": stored["action"],
        "actor": brief(users[stored["actor_id"]]),
        "target": brief(target) if target is not None else None,
        "name": stored.get("name"),
        "role": stored.get("role"),
    }


def messages_out(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Serialise messages (senders, service messages' targets and attachments in two queries)."""
    messages = list(messages)
    user_ids = {m.sender_id for m in messages}
    user_ids.update(m.system["target_id"] for m in messages if m.system and m.system.get("target_id"))
    user_ids.update(m.system["actor_id"] for m in messages if m.system)
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()}
    attachment_ids = {m.attachment_id for m in messages if m.attachment_id and m.deleted_at is None}
    attachments = {}
    if attachment_ids:
        rows = db.session.execute(select(Attachment).where(Attachment.id.in_(attachment_ids))).scalars()
        attachments = {a.id: a for a in rows}
    tracks = tracks_by_id({m.track_id for m in messages if m.track_id and m.deleted_at is None}, None)
    out = []
    for m in messages:
        deleted = m.deleted_at is not None
        attachment = attachments.get(m.attachment_id) if m.attachment_id else None
        out.append(
            message_dict(
                id=m.id,
                chat_id=m.chat_id,
                seq=m.seq,
                sender=brief(users[m.sender_id]),
                body="" if deleted else m.body,
                client_id=m.client_id,
                reply_to=m.reply_to,
                attachment=attachment_out(attachment) if attachment and not deleted else None,
                track=tracks.get(m.track_id) if m.track_id and not deleted else None,
                created_at=isoformat(m.created_at),
                edited_at=isoformat(m.edited_at),
                deleted=deleted,
                kind=m.kind or "text",
                system=system_out(m.system, users),
            )
        )
    return out


def message_out(message: Message) -> dict[str, Any]:
    """One message as the contract shows it."""
    return messages_out([message])[0]
