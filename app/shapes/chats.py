"""Chat shapes: a chat, its members, as the contract shows them (schemas: ChatOut, MemberOut).

A viewer's `unread` counts the messages after their read mark except the group's service
messages (its own history never counts as unread). An order chat seen by a viewer carries its
`order` (app/shapes/market.py, orders_for).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.models.base import isoformat
from app.models.chat import Chat, ChatMember, Message
from app.shapes.market import orders_for
from app.shapes.users import brief


def chat_members(chat_id: int) -> list[tuple[ChatMember, User]]:
    """A chat's memberships with their users, oldest member first."""
    return list(
        db.session.execute(
            select(ChatMember, User)
            .join(User, User.id == ChatMember.user_id)
            .where(ChatMember.chat_id == chat_id)
            .order_by(ChatMember.joined_at, ChatMember.id)
        ).all()
    )


def member_out(member: ChatMember, user: User) -> dict[str, Any]:
    """A member as chat views show it."""
    return {
        "user": brief(user),
        "role": member.role,
        "last_read_seq": member.last_read_seq,
        "joined_at": isoformat(member.joined_at),
    }


def service_unread(user_id: int, chats: list[Chat]) -> dict[int, int]:
    """Per group chat: how many service messages lie after the user's read mark (one query)."""
    ids = [c.id for c in chats if c.type == "group"]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Message.chat_id, func.count())
        .join(ChatMember, (ChatMember.chat_id == Message.chat_id) & (ChatMember.user_id == user_id))
        .where(Message.chat_id.in_(ids), Message.kind == "service", Message.seq > ChatMember.last_read_seq)
        .group_by(Message.chat_id)
    ).all()
    return dict(rows)


_LOOK_UP: Any = object()


def chat_out(
    chat: Chat,
    viewer: ChatMember | None = None,
    with_members: bool = True,
    *,
    service_after: int | None = None,
    order: Any = _LOOK_UP,
) -> dict[str, Any]:
    """A chat as the contract shows it; with a viewer, their role, read mark, unread and (order chats) order.

    `service_after` (service messages after the viewer's mark) and `order` are looked up unless given
    (lists pass them, computed for every row at once).
    """
    data: dict[str, Any] = {
        "id": chat.id,
        "type": chat.type,
        "name": chat.name,
        "description": chat.description,
        "created_by": chat.created_by,
        "created_at": isoformat(chat.created_at),
        "last_seq": chat.last_seq,
        "last_message_at": isoformat(chat.last_message_at),
        "request_id": chat.request_id if chat.type == "order" else None,
    }
    if with_members:
        data["members"] = [member_out(m, u) for m, u in chat_members(chat.id)]
    if viewer is not None:
        if service_after is None:
            service_after = service_unread(viewer.user_id, [chat]).get(chat.id, 0)
        data["role"] = viewer.role
        data["last_read_seq"] = viewer.last_read_seq
        data["unread"] = max(0, chat.last_seq - viewer.last_read_seq - service_after)
        if chat.type == "order":
            data["order"] = orders_for([chat], viewer.user_id).get(chat.id) if order is _LOOK_UP else order
    return data
