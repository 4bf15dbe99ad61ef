"""Communities: open or closed, an owner, admins and members (like group chats), a wall, a linked chat.

Joining an open community makes me a member at once; a closed one makes me `pending` and its
admins hear `community:request` in the bell; an admin's approval (`pending` -> `member`) sends
`community:approved`. A closed community's posts and members are seen by its members only
(app/permissions.py: access_community(content=True)). Its group chat, opened with one click,
follows the membership: whoever joins is added, whoever leaves is removed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from app.db import write_tx
from app.errors import Forbidden, NotFound, ValidationError
from app.events.social import REWATCH, CommunityApproved, CommunityRequest
from app.extensions import db
from app.models import User
from app.models.base import isoformat
from app.models.social import Community, CommunityMember
from app.permissions import MEMBER_ROLES, access_community, access_community_admin, listed
from app.realtime import run_everywhere_after_commit
from app.services.community_chat import sync_chat
from app.services.notifications import notify
from app.services.uploads import read_limited, store_image, upload_dir
from app.shapes.social import community_brief, community_out
from app.shapes.users import brief


def _counts(ids: list[int]) -> dict[int, int]:
    """members_count of each community: its members as the member list shows them (not banned, not deleted)."""
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(CommunityMember.community_id, func.count())
            .join(User, User.id == CommunityMember.user_id)
            .where(CommunityMember.community_id.in_(ids), CommunityMember.role.in_(MEMBER_ROLES), listed())
            .group_by(CommunityMember.community_id)
        ).all()
    )


def _out(community: Community, role: str | None) -> dict[str, Any]:
    return community_out(community, _counts([community.id]).get(community.id, 0), role)


def create_community(user_id: int, name: str, description: str, visibility: str, members_can_post: bool) -> dict:
    """Create a community; I am its owner."""
    with write_tx() as session:
        community = Community(
            name=name,
            name_lower=name.lower(),
            description=description,
            visibility=visibility,
            members_can_post=members_can_post,
            owner_id=user_id,
        )
        session.add(community)
        session.flush()
        session.add(CommunityMember(community_id=community.id, user_id=user_id, role="owner"))
        session.flush()
        return _out(community, "owner")


def get_community(user_id: int, community_id: int) -> dict[str, Any]:
    """A community with members_count and my role (its name and description are public)."""
    community, role = access_community(user_id, community_id)
    return _out(community, role)


def update_community(user_id: int, community_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Admins edit name, description, visibility, members_can_post."""
    with write_tx():
        community, role = access_community_admin(user_id, community_id)
        closing = community.visibility == "open" and changes.get("visibility") == "closed"
        for field in ("name", "description", "visibility", "members_can_post"):
            if changes.get(field) is not None:
                setattr(community, field, changes[field])
        if closing:  # outsiders watching its posts stop hearing them, on every worker
            run_everywhere_after_commit(REWATCH, {"community_id": community_id})
        community.name_lower = community.name.lower()
        db.session.flush()
        return _out(community, role)


def delete_community(user_id: int, community_id: int) -> None:
    """The owner deletes the community with its wall (the linked chat stays, unlinked)."""
    with write_tx() as session:
        community, role = access_community(user_id, community_id)
        if role != "owner":
            raise Forbidden("Only the owner deletes a community.", {"reason": "not_the_owner"})
        session.delete(community)


def set_avatar(user_id: int, community_id: int, stream: Any, max_bytes: int) -> dict[str, Any]:
    """Admins upload the community's avatar (checked, re-encoded)."""
    access_community_admin(user_id, community_id)
    data = read_limited(stream, max_bytes)
    name, _content_type, _size = store_image(data, "avatars", max_side=512)
    with write_tx():
        community, role = access_community_admin(user_id, community_id)
        old, community.avatar = community.avatar, name
        out = _out(community, role)
    if old:
        (upload_dir("avatars") / old).unlink(missing_ok=True)
    return out


def list_communities(
    user_id: int, q: str, mine: bool, limit: int, before: int | None, member_id: int | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """Search communities by name and description words (any order), or mine, or a person's; newest first.

    A person's closed communities are listed only to people in them too (a closed community's members
    are for its members).
    """
    mine_roles = select(CommunityMember.community_id, CommunityMember.role).where(CommunityMember.user_id == user_id)
    roles = mine_roles.subquery()
    stmt = (
        select(Community, roles.c.role)
        .outerjoin(roles, roles.c.community_id == Community.id)
        .order_by(Community.id.desc())
        .limit(limit + 1)
    )
    if mine:
        stmt = stmt.where(roles.c.role.in_(MEMBER_ROLES))
    if member_id is not None and member_id != user_id:
        theirs = select(CommunityMember.community_id).where(
            CommunityMember.user_id == member_id, CommunityMember.role.in_(MEMBER_ROLES)
        )
        stmt = stmt.where(Community.id.in_(theirs), or_(Community.visibility == "open", roles.c.role.in_(MEMBER_ROLES)))
    elif member_id is not None:
        stmt = stmt.where(roles.c.role.in_(MEMBER_ROLES))
    for word in q.lower().split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Community.name_lower.like(pattern, escape="\\"),
                func.lower(Community.description).like(pattern, escape="\\"),
            )
        )
    if before is not None:
        stmt = stmt.where(Community.id < before)
    rows = db.session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    counts = _counts([c.id for c, _ in rows])
    items = [community_out(c, counts.get(c.id, 0), role) for c, role in rows]
    return items, (rows[-1][0].id if more else None)


def _admins(community_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(CommunityMember.user_id).where(
                CommunityMember.community_id == community_id, CommunityMember.role.in_(("owner", "admin"))
            )
        )
    )


def join(user_id: int, community_id: int) -> dict[str, Any]:
    """Join an open community (member) or ask to join a closed one (pending, its admins are told)."""
    with write_tx() as session:
        community, role = access_community(user_id, community_id)
        if role is not None:
            return {"role": role}
        role = "member" if community.visibility == "open" else "pending"
        session.add(CommunityMember(community_id=community_id, user_id=user_id, role=role))
        session.flush()
        if role == "pending":
            me = session.get(User, user_id)
            notify(_admins(community_id), CommunityRequest(community=community_brief(community), user=brief(me)))
        chat_id = community.chat_id
    if role == "member":
        sync_chat(chat_id, user_id, True)
    return {"role": role}


def _next_owner(community_id: int, leaving: int) -> CommunityMember | None:
    rank = {"admin": 0, "member": 1}
    members = db.session.scalars(
        select(CommunityMember).where(
            CommunityMember.community_id == community_id,
            CommunityMember.user_id != leaving,
            CommunityMember.role.in_(("admin", "member")),
        )
    )
    ordered = sorted(members, key=lambda m: (rank[m.role], m.joined_at, m.user_id))
    return ordered[0] if ordered else None


def _remove(community: Community, member: CommunityMember) -> None:
    """Inside write_tx: remove a membership; the owner's place goes to the oldest admin, else member."""
    if member.role == "owner":
        heir = _next_owner(community.id, member.user_id)
        if heir is None:
            db.session.delete(community)
            return
        heir.role, community.owner_id = "owner", heir.user_id
    db.session.delete(member)


def leave(user_id: int, community_id: int) -> None:
    """Leave a community (or withdraw my request); NotFound if I am not in it."""
    with write_tx():
        community, _role = access_community(user_id, community_id)
        member = db.session.get(CommunityMember, (community_id, user_id))
        if member is None:
            raise NotFound("You are not in this community.", code="not_a_member")
        was_member = member.role in MEMBER_ROLES
        chat_id = community.chat_id
        if was_member and community.visibility == "closed":  # my sockets stop hearing its posts
            run_everywhere_after_commit(REWATCH, {"user_ids": [user_id]})
        _remove(community, member)
    if was_member:
        sync_chat(chat_id, user_id, False)


def list_members(
    user_id: int, community_id: int, role: str | None, limit: int, before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """Members (of a closed community: for members only); pending requests for admins only; banned and
    deleted accounts left out of both."""
    _community, my_role = access_community(user_id, community_id, content=True)
    if role == "pending" and my_role not in ("owner", "admin"):
        raise Forbidden("Only admins see join requests.", {"reason": "not_an_admin"})
    stmt = (
        select(CommunityMember, User)
        .join(User, User.id == CommunityMember.user_id)
        .where(CommunityMember.community_id == community_id, listed())
        .order_by(User.id.desc())
        .limit(limit + 1)
    )
    stmt = stmt.where(CommunityMember.role == role) if role else stmt.where(CommunityMember.role.in_(MEMBER_ROLES))
    if before is not None:
        stmt = stmt.where(User.id < before)
    rows = db.session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{"user": brief(u), "role": m.role, "joined_at": isoformat(m.joined_at)} for m, u in rows]
    return items, (rows[-1][1].id if more else None)


def set_role(user_id: int, community_id: int, target_id: int, role: str) -> dict[str, Any]:
    """Admins approve (pending -> member) and promote (member -> admin); the owner also demotes admins."""
    approved = False
    with write_tx():
        community, my_role = access_community_admin(user_id, community_id)
        member = db.session.get(CommunityMember, (community_id, target_id))
        if member is None:
            raise NotFound("This person is not in the community.", code="not_a_member")
        if member.role == "owner":
            raise Forbidden("The owner's role does not change.", {"reason": "owner"})
        if member.role == "admin" and my_role != "owner":
            raise Forbidden("Only the owner changes an admin's role.", {"reason": "not_the_owner"})
        if member.role == "pending" and role != "member":
            raise ValidationError("Approve the request first.", {"fields": {"role": "approve first"}})
        approved = member.role == "pending"
        member.role = role
        if approved:
            notify([target_id], CommunityApproved(community=community_brief(community)))
        chat_id = community.chat_id
    if approved:
        sync_chat(chat_id, target_id, True)
    return {"role": role}


def remove_member(user_id: int, community_id: int, target_id: int) -> None:
    """Admins remove a member or turn down a request (the owner removes admins too); myself: leave."""
    if target_id == user_id:
        return leave(user_id, community_id)
    with write_tx():
        community, my_role = access_community_admin(user_id, community_id)
        member = db.session.get(CommunityMember, (community_id, target_id))
        if member is None:
            raise NotFound("This person is not in the community.", code="not_a_member")
        if member.role == "owner" or (member.role == "admin" and my_role != "owner"):
            raise Forbidden("You cannot remove this member.", {"reason": "not_allowed"})
        was_member = member.role in MEMBER_ROLES
        chat_id = community.chat_id
        if was_member and community.visibility == "closed":  # their sockets stop hearing its posts
            run_everywhere_after_commit(REWATCH, {"user_ids": [target_id]})
        db.session.delete(member)
    if was_member:
        sync_chat(chat_id, target_id, False)
    return None
