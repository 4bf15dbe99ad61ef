"""Chats: list, direct (one per pair), groups and their administration, order chats, presence audience.

Ownership rule: when the owner of a group leaves, the oldest admin becomes owner, else
the oldest member; when the last member leaves, the group is deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.db import write_tx
from app.errors import Conflict, Forbidden, NotFound, ValidationError
from app.events import emit_after_commit
from app.events.messenger import ChatCreated, ChatDeleted, ChatUpdated, MemberAdded, MemberRemoved, MemberUpdated
from app.extensions import db
from app.models import User
from app.models.base import isoformat
from app.models.chat import Chat, ChatMember, Message
from app.models.market import Request
from app.permissions import ADMIN_ROLES, access_chat, access_group_admin, member_ids, membership
from app.presence import presence
from app.services.messages import messages_out
from app.services.notifications import notify
from app.shapes.users import brief


def _members(chat_id: int) -> list[tuple[ChatMember, User]]:
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


_NO_LOOKUP = object()


def _order_request_id(chat: Chat) -> int | None:
    """The request an order chat belongs to (None for direct and group chats)."""
    if chat.type != "order":
        return None
    return db.session.scalar(select(Request.id).where(Request.chat_id == chat.id).order_by(Request.id.desc()).limit(1))


def chat_out(
    chat: Chat, viewer: ChatMember | None = None, with_members: bool = True, request_id: Any = _NO_LOOKUP
) -> dict[str, Any]:
    """A chat as the contract shows it; viewer fields (role, last_read_seq, unread) when a viewer is given.

    `request_id` (order chats: the request whose order this chat is) is looked up unless given.
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
        "request_id": _order_request_id(chat) if request_id is _NO_LOOKUP else request_id,
    }
    if with_members:
        data["members"] = [member_out(m, u) for m, u in _members(chat.id)]
    if viewer is not None:
        data["role"] = viewer.role
        data["last_read_seq"] = viewer.last_read_seq
        data["unread"] = max(0, chat.last_seq - viewer.last_read_seq)
    return data


def list_chats(user_id: int, limit: int, offset: int) -> tuple[list[dict[str, Any]], int | None]:
    """The user's chats, newest activity first, each with last_message, unread and (direct/order) peer."""
    activity = func.coalesce(Chat.last_message_at, Chat.created_at)
    rows = db.session.execute(
        select(Chat, ChatMember)
        .join(ChatMember, ChatMember.chat_id == Chat.id)
        .where(ChatMember.user_id == user_id)
        .order_by(activity.desc(), Chat.id.desc())
        .offset(offset)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    return list_items(user_id, rows[:limit]), (offset + limit if more else None)


def list_items(user_id: int, rows: list[Any]) -> list[dict[str, Any]]:
    """(chat, my membership) rows as chat lists show them: last_message, unread, request_id and, for
    direct and order chats, the peer with presence; a fixed number of queries however many rows."""
    ids = [chat.id for chat, _ in rows]
    last = db.session.execute(
        select(Message)
        .join(Chat, (Chat.id == Message.chat_id) & (Message.seq == Chat.last_seq))
        .where(Chat.id.in_(ids))
    ).scalars()
    last_by_chat = {m["chat_id"]: m for m in messages_out(list(last))}
    other = aliased(ChatMember)
    peers = {
        chat_id: brief(user)
        for chat_id, user in db.session.execute(
            select(other.chat_id, User)
            .join(User, User.id == other.user_id)
            .join(Chat, Chat.id == other.chat_id)
            .where(other.chat_id.in_(ids), other.user_id != user_id, Chat.type.in_(("direct", "order")))
        ).all()
    }
    online = presence().online_among({peer["id"] for peer in peers.values()})
    for peer in peers.values():
        peer["online"] = peer["id"] in online  # the list shows presence dots without a call per peer
    orders = dict(
        db.session.execute(
            select(Request.chat_id, func.max(Request.id)).where(Request.chat_id.in_(ids)).group_by(Request.chat_id)
        ).all()
    )
    items = []
    for chat, member in rows:
        data = chat_out(chat, member, with_members=False, request_id=orders.get(chat.id))
        data["last_message"] = last_by_chat.get(chat.id)
        data["peer"] = peers.get(chat.id)
        items.append(data)
    return items


def _added_note(chat: Chat, user_ids: list[int] | set[int], by: int | None) -> None:
    """The `chat:added` notification (stored, and pushed after the commit) to users put in a chat by someone else."""
    actor = db.session.get(User, by) if by is not None else None
    payload = {
        "chat_id": chat.id,
        "type": chat.type,
        "name": chat.name,
        "by": brief(actor) if actor is not None else None,
    }
    notify([uid for uid in user_ids if uid != by], "chat:added", payload)


def get_chat(user_id: int, chat_id: int) -> dict[str, Any]:
    """A chat with its members, the caller's last_read_seq and its message count; NotFound/Forbidden."""
    chat, member = access_chat(user_id, chat_id)
    return {**chat_out(chat, member), "message_count": message_count(chat_id)}


def message_count(chat_id: int) -> int:
    """How many messages a chat holds, deleted ones not counted (its statistics)."""
    return db.session.scalar(
        select(func.count()).select_from(Message).where(Message.chat_id == chat_id, Message.deleted_at.is_(None))
    )


def _require_users(user_ids: set[int]) -> None:
    found = set(db.session.execute(select(User.id).where(User.id.in_(user_ids))).scalars())
    missing = sorted(user_ids - found)
    if missing:
        raise NotFound("No such user.", {"user_ids": missing})


def create_group(creator_id: int, name: str, description: str, member_ids_: list[int]) -> dict[str, Any]:
    """Create a group owned by the creator with the given members; `chat:created` to all of them."""
    others = set(member_ids_) - {creator_id}
    with write_tx() as session:
        _require_users(others)
        chat = Chat(type="group", name=name, description=description or "", created_by=creator_id)
        session.add(chat)
        session.flush()
        session.add(ChatMember(chat_id=chat.id, user_id=creator_id, role="owner"))
        session.add_all(ChatMember(chat_id=chat.id, user_id=uid, role="member") for uid in sorted(others))
        session.flush()
        event = chat_out(chat, request_id=None)
        emit_after_commit(ChatCreated, event, [creator_id, *others])
        _added_note(chat, others, creator_id)
        return chat_out(chat, membership(chat.id, creator_id), request_id=None)


def _direct_key(a: int, b: int) -> str:
    return f"{min(a, b)}:{max(a, b)}"


def get_or_create_direct(user_id: int, other_id: int) -> tuple[dict[str, Any], bool]:
    """The direct chat of two users, created on first use; returns (chat, created)."""
    if other_id == user_id:
        raise ValidationError("A direct chat needs another user.", {"fields": {"user_id": "yourself"}})
    key = _direct_key(user_id, other_id)
    existing = db.session.execute(select(Chat).where(Chat.direct_key == key)).scalar_one_or_none()
    if existing is not None:
        return chat_out(existing, membership(existing.id, user_id)), False
    try:
        with write_tx() as session:
            _require_users({other_id})
            chat = Chat(type="direct", created_by=user_id, direct_key=key)
            session.add(chat)
            session.flush()
            session.add_all(ChatMember(chat_id=chat.id, user_id=uid, role="member") for uid in (user_id, other_id))
            session.flush()
            emit_after_commit(ChatCreated, chat_out(chat, request_id=None), [user_id, other_id])
            _added_note(chat, [other_id], user_id)
            return chat_out(chat, membership(chat.id, user_id), request_id=None), True
    except IntegrityError:
        db.session.rollback()  # the other user opened it at the same moment
        existing = db.session.execute(select(Chat).where(Chat.direct_key == key)).scalar_one()
        return chat_out(existing, membership(existing.id, user_id)), False


def open_order_chat(customer_id: int, master_id: int, name: str, request_id: int | None = None) -> Chat:
    """Open the `order` chat of a customer and a master, INSIDE the caller's write_tx().

    Called by the marketplace when an offer or a direct request is accepted. Adds the chat
    and both members, flushes, and queues `chat:created` for after the commit. The other side
    learns of it from the marketplace's own notification (`offer:accepted`, `request:status`),
    which carries the chat's id, so no second `chat:added` is sent.
    """
    session = db.session
    chat = Chat(type="order", name=name[:100], created_by=customer_id)
    session.add(chat)
    session.flush()
    session.add_all(
        ChatMember(chat_id=chat.id, user_id=uid, role="member") for uid in dict.fromkeys((customer_id, master_id))
    )
    session.flush()
    emit_after_commit(ChatCreated, chat_out(chat, request_id=request_id), [customer_id, master_id])
    return chat


def update_chat(user_id: int, chat_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Rename or describe a group (its owner and admins); `chat:updated` to the members."""
    with write_tx():
        chat, member = access_group_admin(user_id, chat_id)
        for field in ("name", "description"):
            if changes.get(field) is not None:
                setattr(chat, field, changes[field])
        event = chat_out(chat)
        emit_after_commit(ChatUpdated, event, member_ids(chat_id))
        return chat_out(chat, member)


def _owner(chat_id: int) -> ChatMember | None:
    return db.session.execute(
        select(ChatMember).where(ChatMember.chat_id == chat_id, ChatMember.role == "owner")
    ).scalar_one_or_none()


def _delete(chat: Chat, audience: list[int]) -> None:
    event = chat_out(chat, with_members=False)
    db.session.delete(chat)
    emit_after_commit(ChatDeleted, event, audience)


def delete_chat(user_id: int, chat_id: int) -> None:
    """Delete a group: its owner (or an admin when it has no owner); `chat:deleted` to the members."""
    with write_tx():
        chat, member = access_chat(user_id, chat_id)
        if chat.type != "group":
            raise Forbidden("Only group chats can be deleted.", {"reason": "not_a_group"})
        allowed = member.role == "owner" or (member.role == "admin" and _owner(chat_id) is None)
        if not allowed:
            raise Forbidden("Only the group's owner may delete it.", {"reason": "not_the_owner"})
        _delete(chat, member_ids(chat_id))


def add_member(user_id: int, chat_id: int, new_user_id: int) -> dict[str, Any]:
    """Add a user to a group (its owner and admins).

    `chat:member_added` goes to every member (the new one included), and `chat:created`
    with the full chat to the new member, whose sockets hear the chat at once.
    """
    with write_tx() as session:
        chat, _member = access_group_admin(user_id, chat_id)
        _require_users({new_user_id})
        if membership(chat_id, new_user_id) is not None:
            raise Conflict("Already a member.", code="already_member")
        session.add(ChatMember(chat_id=chat_id, user_id=new_user_id, role="member"))
        session.flush()
        event = {"chat_id": chat_id, "user_id": new_user_id, "role": "member"}
        emit_after_commit(MemberAdded, event, member_ids(chat_id))
        emit_after_commit(ChatCreated, chat_out(chat, request_id=None), [new_user_id])
        _added_note(chat, [new_user_id], user_id)
        return event


def _leave(chat: Chat, member: ChatMember) -> None:
    """Remove a member; hand ownership on, or delete the group when nobody is left (inside write_tx)."""
    audience = member_ids(chat.id)
    event = {"chat_id": chat.id, "user_id": member.user_id, "role": member.role}
    was_owner = member.role == "owner"
    db.session.delete(member)
    db.session.flush()
    rest = db.session.execute(
        select(ChatMember).where(ChatMember.chat_id == chat.id).order_by(ChatMember.joined_at, ChatMember.id)
    ).scalars()
    rest = list(rest)
    if not rest:
        _delete(chat, audience)
        return
    emit_after_commit(MemberRemoved, event, audience)
    if was_owner:
        heir = next((m for m in rest if m.role == "admin"), rest[0])
        heir.role = "owner"
        emit_after_commit(
            MemberUpdated,
            {"chat_id": chat.id, "user_id": heir.user_id, "role": "owner"},
            [m.user_id for m in rest],
        )


def remove_member(user_id: int, chat_id: int, target_id: int) -> None:
    """Remove a member (owner: anyone; admin: plain members) or leave (target is the caller).

    Direct and order chats cannot be left. `chat:member_removed` to the members and the removed user.
    """
    with write_tx():
        chat, member = access_chat(user_id, chat_id)
        if chat.type != "group":
            raise Forbidden("Only group chats can be left.", {"reason": "not_a_group"})
        if target_id == user_id:
            _leave(chat, member)
            return
        if member.role not in ADMIN_ROLES:
            raise Forbidden("Only the group's owner and admins may remove members.", {"reason": "not_an_admin"})
        target = membership(chat_id, target_id)
        if target is None:
            raise NotFound("Not a member of this chat.")
        if target.role == "owner" or (target.role == "admin" and member.role != "owner"):
            raise Forbidden("Only the owner may remove an admin, and nobody the owner.", {"reason": "not_allowed"})
        _leave(chat, target)


def set_role(user_id: int, chat_id: int, target_id: int, role: str) -> dict[str, Any]:
    """Make a member an admin or a plain member again; the owner's role is fixed.

    Admins promote members; only the owner demotes an admin (else an admin could demote another
    admin, then remove them, which remove_member forbids).
    """
    with write_tx():
        _chat, member = access_group_admin(user_id, chat_id)
        target = membership(chat_id, target_id)
        if target is None:
            raise NotFound("Not a member of this chat.")
        if target.role == "owner":
            raise Forbidden("The owner's role cannot be changed.", {"reason": "not_allowed"})
        if target.role == "admin" and role != "admin" and member.role != "owner":
            raise Forbidden("Only the owner may demote an admin.", {"reason": "not_allowed"})
        event = {"chat_id": chat_id, "user_id": target_id, "role": role}
        if target.role != role:
            target.role = role
            emit_after_commit(MemberUpdated, event, member_ids(chat_id))
        return event


_PARTNER_MINE = ChatMember.__table__.alias("mine")
_PARTNER_THEIRS = ChatMember.__table__.alias("theirs")
# Prebuilt once: it runs for every user who comes online or goes offline (socket connect/disconnect).
_PARTNERS = (
    select(_PARTNER_THEIRS.c.user_id)
    .distinct()
    .join(_PARTNER_MINE, _PARTNER_MINE.c.chat_id == _PARTNER_THEIRS.c.chat_id)
    .where(_PARTNER_MINE.c.user_id == bindparam("p_user"), _PARTNER_THEIRS.c.user_id != bindparam("p_user"))
)


def chat_partners(user_id: int) -> list[int]:
    """Everyone who shares a chat with the user (the presence audience), in one query."""
    return list(db.session.connection().execute(_PARTNERS, {"p_user": user_id}).scalars())
