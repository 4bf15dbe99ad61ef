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
from app.events.messenger import (
    ChatAdded,
    ChatCreated,
    ChatDeleted,
    ChatUpdated,
    MemberAdded,
    MemberRemoved,
    MemberUpdated,
    MessageNew,
)
from app.extensions import db
from app.models import User
from app.models.chat import Chat, ChatMember, Message
from app.permissions import ADMIN_ROLES, access_chat, access_group_admin, member_ids, membership
from app.presence import presence
from app.services.message_store import append_service
from app.services.notifications import notify
from app.shapes.chats import chat_members, chat_out, service_unread
from app.shapes.market import orders_for
from app.shapes.messages import messages_out
from app.shapes.users import brief


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
    direct and order chats, the peer with presence, for order chats their order; a fixed number of
    queries however many rows."""
    ids = [chat.id for chat, _ in rows]
    chats = [chat for chat, _ in rows]
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
    orders = orders_for(chats, user_id)
    service = service_unread(user_id, chats)
    items = []
    for chat, member in rows:
        data = chat_out(
            chat, member, with_members=False, service_after=service.get(chat.id, 0), order=orders.get(chat.id)
        )
        data["last_message"] = last_by_chat.get(chat.id)
        data["peer"] = peers.get(chat.id)
        items.append(data)
    return items


def _added_note(chat: Chat, user_ids: list[int] | set[int], by: int | None) -> None:
    """The `chat:added` notification (stored, and pushed after the commit) to users put in a chat by someone else."""
    actor = db.session.get(User, by) if by is not None else None
    payload = ChatAdded(chat_id=chat.id, type=chat.type, name=chat.name, by=brief(actor) if actor else None)
    notify([uid for uid in user_ids if uid != by], payload)


def get_chat(user_id: int, chat_id: int) -> dict[str, Any]:
    """A chat with its members, the caller's last_read_seq and its message count; NotFound/Forbidden."""
    chat, member = access_chat(user_id, chat_id)
    return {**chat_out(chat, member), "message_count": message_count(chat_id)}


def message_count(chat_id: int) -> int:
    """How many messages a chat holds, deleted ones and the group's service messages not counted."""
    return db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.chat_id == chat_id, Message.deleted_at.is_(None), Message.kind == "text")
    )


def _require_users(user_ids: set[int]) -> None:
    found = set(db.session.execute(select(User.id).where(User.id.in_(user_ids))).scalars())
    missing = sorted(user_ids - found)
    if missing:
        raise NotFound("No such user.", {"user_ids": missing})


def _history(chat: Chat, actor_id: int, action: str, audience: list[int], **details: Any) -> None:
    """Record a group change as a service message (next seq) and send it as `message:new` after the commit."""
    emit_after_commit(MessageNew, append_service(chat, actor_id, action, **details), audience)


def create_group(creator_id: int, name: str, description: str, member_ids_: list[int]) -> dict[str, Any]:
    """Create a group owned by the creator with the given members; `chat:created` to all of them.

    Its history starts with a `created` service message (seq 1).
    """
    others = set(member_ids_) - {creator_id}
    with write_tx() as session:
        _require_users(others)
        chat = Chat(type="group", name=name, description=description or "", created_by=creator_id)
        session.add(chat)
        session.flush()
        session.add(ChatMember(chat_id=chat.id, user_id=creator_id, role="owner"))
        session.add_all(ChatMember(chat_id=chat.id, user_id=uid, role="member") for uid in sorted(others))
        session.flush()
        created = append_service(chat, creator_id, "created", name=chat.name)
        emit_after_commit(ChatCreated, chat_out(chat), [creator_id, *others])
        emit_after_commit(MessageNew, created, [creator_id, *others])
        _added_note(chat, others, creator_id)
        return chat_out(chat, membership(chat.id, creator_id))


def _direct_key(a: int, b: int) -> str:
    return f"{min(a, b)}:{max(a, b)}"


def get_or_create_direct(user_id: int, other_id: int) -> tuple[dict[str, Any], bool]:
    """The direct chat of two users, created on first use; returns (chat, created)."""
    if other_id == user_id:
        raise ValidationError.field(
            "user_id", "yourself", "A direct chat needs another user.", summary="A direct chat needs another user."
        )
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
            emit_after_commit(ChatCreated, chat_out(chat), [user_id, other_id])
            _added_note(chat, [other_id], user_id)
            return chat_out(chat, membership(chat.id, user_id)), True
    except IntegrityError:
        db.session.rollback()  # the other user opened it at the same moment
        existing = db.session.execute(select(Chat).where(Chat.direct_key == key)).scalar_one()
        return chat_out(existing, membership(existing.id, user_id)), False


def open_order_chat(customer_id: int, master_id: int, name: str, request_id: int | None = None) -> Chat:
    """Open the `order` chat of a customer and a master, INSIDE the caller's write_tx().

    Called by the marketplace when an offer or a direct request is accepted. Adds the chat
    and both members, flushes, and queues `chat:created` for after the commit. The other side
    learns of it from the marketplace's own notification (`offer:accepted`, `request:status`),
    which carries the chat's id, so no second `chat:added` is sent. The caller links the request
    (`request.chat_id`) and then calls `order_changed` so each side's `chat:created` carries the
    order as that side sees it.
    """
    session = db.session
    chat = Chat(type="order", name=name[:100], created_by=customer_id, request_id=request_id)
    session.add(chat)
    session.flush()
    session.add_all(
        ChatMember(chat_id=chat.id, user_id=uid, role="member") for uid in dict.fromkeys((customer_id, master_id))
    )
    session.flush()
    if request_id is None:
        emit_after_commit(ChatCreated, chat_out(chat), [customer_id, master_id])
    return chat


def order_changed(chat_ids: list[int | None], event: type[ChatCreated] | type[ChatUpdated] = ChatUpdated) -> None:
    """An order's request changed (or its chat was just opened): each member of each of these order
    chats gets the chat as they see it (`chat:updated`, or `chat:created`), its `order` current.

    Called by the marketplace inside its write_tx(), after the request's row is written.
    """
    for chat_id in dict.fromkeys(c for c in chat_ids if c is not None):
        chat = db.session.get(Chat, chat_id)
        if chat is None:
            continue
        for member, _user in chat_members(chat_id):
            emit_after_commit(event, chat_out(chat, member), [member.user_id])


def update_chat(user_id: int, chat_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Rename or describe a group (its owner and admins); `chat:updated` to the members.

    A new name is recorded in the group's history (`renamed`).
    """
    with write_tx():
        chat, member = access_group_admin(user_id, chat_id)
        renamed = changes.get("name") is not None and changes["name"] != chat.name
        for field in ("name", "description"):
            if changes.get(field) is not None:
                setattr(chat, field, changes[field])
        audience = member_ids(chat_id)
        history = append_service(chat, user_id, "renamed", name=chat.name) if renamed else None
        emit_after_commit(ChatUpdated, chat_out(chat), audience)
        if history is not None:
            emit_after_commit(MessageNew, history, audience)
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
    with the full chat to the new member, whose sockets hear the chat at once; then the
    `added` service message to everyone.
    """
    with write_tx() as session:
        chat, _member = access_group_admin(user_id, chat_id)
        _require_users({new_user_id})
        if membership(chat_id, new_user_id) is not None:
            raise Conflict("Already a member.", code="already_member")
        session.add(ChatMember(chat_id=chat_id, user_id=new_user_id, role="member"))
        session.flush()
        audience = member_ids(chat_id)
        history = append_service(chat, user_id, "added", target_id=new_user_id)
        event = {"chat_id": chat_id, "user_id": new_user_id, "role": "member", "by": user_id}
        emit_after_commit(MemberAdded, event, audience)
        emit_after_commit(ChatCreated, chat_out(chat), [new_user_id])
        emit_after_commit(MessageNew, history, audience)
        _added_note(chat, [new_user_id], user_id)
        return event


def _leave(chat: Chat, member: ChatMember, by: int) -> None:
    """Remove a member (`by` removes them, or they leave when by is their own id); hand ownership on,
    or delete the group when nobody is left (inside write_tx). The group's history records it."""
    audience = member_ids(chat.id)
    event = {"chat_id": chat.id, "user_id": member.user_id, "role": member.role, "by": by}
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
    remaining = [m.user_id for m in rest]
    emit_after_commit(MemberRemoved, event, audience)
    if by == member.user_id:
        _history(chat, by, "left", remaining)
    else:
        _history(chat, by, "removed", remaining, target_id=member.user_id)
    if was_owner:
        heir = next((m for m in rest if m.role == "admin"), rest[0])
        heir.role = "owner"
        emit_after_commit(
            MemberUpdated, {"chat_id": chat.id, "user_id": heir.user_id, "role": "owner", "by": by}, remaining
        )
        _history(chat, by, "promoted", remaining, target_id=heir.user_id, role="owner")


def remove_member(user_id: int, chat_id: int, target_id: int) -> None:
    """Remove a member (owner: anyone; admin: plain members) or leave (target is the caller).

    Direct and order chats cannot be left. `chat:member_removed` (with `by`, who removed them) to the
    members and the removed user; the `removed` or `left` service message to those who stay.
    """
    with write_tx():
        chat, member = access_chat(user_id, chat_id)
        if chat.type != "group":
            raise Forbidden("Only group chats can be left.", {"reason": "not_a_group"})
        if target_id == user_id:
            _leave(chat, member, user_id)
            return
        if member.role not in ADMIN_ROLES:
            raise Forbidden("Only the group's owner and admins may remove members.", {"reason": "not_an_admin"})
        target = membership(chat_id, target_id)
        if target is None:
            raise NotFound("Not a member of this chat.")
        if target.role == "owner" or (target.role == "admin" and member.role != "owner"):
            raise Forbidden("Only the owner may remove an admin, and nobody the owner.", {"reason": "not_allowed"})
        _leave(chat, target, user_id)


def set_role(user_id: int, chat_id: int, target_id: int, role: str) -> dict[str, Any]:
    """Make a member an admin or a plain member again; the owner's role is fixed.

    Admins promote members; only the owner demotes an admin (else an admin could demote another
    admin, then remove them, which remove_member forbids). A change is recorded in the group's
    history (`promoted` / `demoted`).
    """
    with write_tx():
        chat, member = access_group_admin(user_id, chat_id)
        target = membership(chat_id, target_id)
        if target is None:
            raise NotFound("Not a member of this chat.")
        if target.role == "owner":
            raise Forbidden("The owner's role cannot be changed.", {"reason": "not_allowed"})
        if target.role == "admin" and role != "admin" and member.role != "owner":
            raise Forbidden("Only the owner may demote an admin.", {"reason": "not_allowed"})
        event = {"chat_id": chat_id, "user_id": target_id, "role": role, "by": user_id}
        if target.role != role:
            action = "promoted" if role == "admin" else "demoted"
            target.role = role
            audience = member_ids(chat_id)
            emit_after_commit(MemberUpdated, event, audience)
            _history(chat, user_id, action, audience, target_id=target_id, role=role)
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
