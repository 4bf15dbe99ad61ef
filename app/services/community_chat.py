"""A community's group chat: opened with one click by its admins, linked both ways, following the members.

The chat is an ordinary messenger group made through the chats service (so the usual chat events go
out); `communities.chat_id` links it, and `community_of_chat` finds the community from the chat.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from app.db import write_tx
from app.errors import Conflict, DomainError, NotFound
from app.extensions import db
from app.models.chat import Chat, ChatMember
from app.models.social import Community, CommunityMember
from app.permissions import MEMBER_ROLES, access_community_admin
from app.services import chats as chats_service
from app.shapes.social import community_brief

log = logging.getLogger("masterchat.communities")


def open_chat(user_id: int, community_id: int) -> dict[str, Any]:
    """Admins open the community's group chat with every member (one click); the existing one if linked."""
    community, _role = access_community_admin(user_id, community_id)
    if community.chat_id is not None and db.session.get(Chat, community.chat_id) is not None:
        return {"community_id": community_id, "chat_id": community.chat_id}
    members = list(
        db.session.scalars(
            select(CommunityMember.user_id).where(
                CommunityMember.community_id == community_id, CommunityMember.role.in_(MEMBER_ROLES)
            )
        )
    )
    chat = chats_service.create_group(user_id, community.name[:100], community.description[:2000], members)
    with write_tx():
        community = db.session.get(Community, community_id)
        if community is None:
            raise NotFound("No such community.")
        if community.chat_id is not None and db.session.get(Chat, community.chat_id) is not None:
            raise Conflict("The community's chat was opened meanwhile.", {"chat_id": community.chat_id})
        community.chat_id = chat["id"]
    return {"community_id": community_id, "chat_id": chat["id"]}


def community_of_chat(chat_id: int) -> dict[str, Any] | None:
    """The community a group chat belongs to (the other direction of the link), or None."""
    community = db.session.scalar(select(Community).where(Community.chat_id == chat_id))
    return community_brief(community) if community is not None else None


def sync_chat(chat_id: int | None, user_id: int, joined: bool) -> None:
    """Keep the linked chat's members in step with the community (its owner acts); failures are logged."""
    if chat_id is None:
        return
    owner = db.session.scalar(
        select(ChatMember.user_id).where(ChatMember.chat_id == chat_id, ChatMember.role == "owner")
    )
    if owner is None:
        return
    try:
        if joined:
            chats_service.add_member(owner, chat_id, user_id)
        else:
            chats_service.remove_member(owner, chat_id, user_id)
    except DomainError as err:
        log.info("community chat %s not synced for user %s: %s", chat_id, user_id, err.message)
