"""Fetch-and-check helpers: every service that takes a chat, message or attachment id goes through here.

A chat that does not exist is NotFound; one the user is not a member of is Forbidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select

from app.errors import Forbidden, NotFound
from app.extensions import db
from app.models.chat import Attachment, Chat, ChatMember, Message
from app.rawsql import Prepared

ADMIN_ROLES = ("owner", "admin")


def membership(chat_id: int, user_id: int) -> ChatMember | None:
    """The user's membership row in a chat, or None."""
    return db.session.execute(
        select(ChatMember).where(ChatMember.chat_id == chat_id, ChatMember.user_id == user_id)
    ).scalar_one_or_none()


def access_chat(user_id: int, chat_id: int) -> tuple[Chat, ChatMember]:
    """The chat and the caller's membership; NotFound if no such chat, Forbidden if not a member."""
    chat = db.session.get(Chat, chat_id, populate_existing=True)
    if chat is None:
        raise NotFound("No such chat.")
    member = membership(chat_id, user_id)
    if member is None:
        raise Forbidden("You are not a member of this chat.", {"reason": "not_a_member"})
    return chat, member


def access_group_admin(user_id: int, chat_id: int) -> tuple[Chat, ChatMember]:
    """A group chat the caller administers (owner or admin), or NotFound/Forbidden."""
    chat, member = access_chat(user_id, chat_id)
    if chat.type != "group":
        raise Forbidden("Only group chats are administered.", {"reason": "not_a_group"})
    if member.role not in ADMIN_ROLES:
        raise Forbidden("Only the group's owner and admins may do this.", {"reason": "not_an_admin"})
    return chat, member


def access_message(user_id: int, message_id: int) -> tuple[Message, Chat, ChatMember]:
    """A message in a chat the caller belongs to; NotFound/Forbidden otherwise."""
    message = db.session.get(Message, message_id, populate_existing=True)
    if message is None:
        raise NotFound("No such message.")
    chat, member = access_chat(user_id, message.chat_id)
    return message, chat, member


def access_attachment(user_id: int, attachment_id: int) -> Attachment:
    """An attachment the caller may read: their own upload, or one used in a chat they belong to."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("No such attachment.")
    if attachment.owner_id == user_id:
        return attachment
    if attachment.chat_id is None or membership(attachment.chat_id, user_id) is None:
        raise Forbidden("You cannot see this attachment.", {"reason": "not_a_member"})
    return attachment


_MEMBER_IDS = Prepared(
    select(ChatMember.__table__.c.user_id).where(ChatMember.__table__.c.chat_id == bindparam("p_chat"))
)


def member_ids(chat_id: int) -> list[int]:
    """Everyone who hears a chat's events right now: its members (a prebuilt statement: the hot path)."""
    return _MEMBER_IDS.scalars(db.session.connection(), {"p_chat": chat_id})


def access_chat_members(user_id: int, chat_id: int) -> list[int]:
    """The members of a chat the caller belongs to, in one query (the hot path of sending and typing).

    NotFound if no such chat, Forbidden if the caller is not a member.
    """
    ids = member_ids(chat_id)
    if user_id in ids:
        return ids
    if db.session.get(Chat, chat_id) is None:
        raise NotFound("No such chat.")
    raise Forbidden("You are not a member of this chat.", {"reason": "not_a_member"})


def require_site_admin(user: Any) -> Any:
    """The user, when they are a site administrator (not banned, not deleted); Forbidden otherwise."""
    if not getattr(user, "is_admin", False) or user.banned_at is not None or user.deleted_at is not None:
        raise Forbidden("Site administrators only.", {"reason": "not_site_admin"})
    return user


_MINE = ChatMember.__table__.alias("presence_mine")
_THEIRS = ChatMember.__table__.alias("presence_theirs")


def presence_visible_to(viewer_id: int | None, user_ids: Iterable[int]) -> set[int]:
    """Those of `user_ids` whose online status `viewer_id` may see: themself and their chat partners.

    The one rule for presence, in REST (profiles, lists) as on the socket (whose `presence` events go to
    the same chat partners, app/sockets/connection.py). Friends are to join it (issue 14): extend here.
    """
    ids = set(user_ids)
    if viewer_id is None or not ids:
        return set()
    visible = {viewer_id} & ids
    others = ids - visible
    if others:
        rows = db.session.execute(
            select(_THEIRS.c.user_id)
            .distinct()
            .join(_MINE, _MINE.c.chat_id == _THEIRS.c.chat_id)
            .where(_MINE.c.user_id == viewer_id, _THEIRS.c.user_id.in_(others))
        ).scalars()
        visible.update(rows)
    return visible


def can_see_presence(viewer_id: int | None, user_id: int) -> bool:
    """Whether `viewer_id` may see if `user_id` is online (see presence_visible_to)."""
    return user_id in presence_visible_to(viewer_id, [user_id])
