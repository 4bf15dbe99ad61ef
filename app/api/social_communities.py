"""Communities: create, search, edit, avatar, join and leave, members and roles, the linked chat."""

from __future__ import annotations

from flask import current_app, g

from app.api.base import ApiBlueprint, uploaded_file
from app.schemas.social import (
    CommunitiesQuery,
    CommunityChatOut,
    CommunityIn,
    CommunityOut,
    CommunityPage,
    CommunityPatchIn,
    MemberPage,
    MemberRoleIn,
    MembersQuery,
    RoleOut,
)
from app.services import communities as service
from app.services.community_chat import open_chat as open_community_chat

bp = ApiBlueprint("communities", __name__, tag="communities", url_prefix="/api/communities")


@bp.route_spec("", "POST", body=CommunityIn, response=CommunityOut, status=201, errors=(401, 422))
def create(body: CommunityIn):
    """Create a community; I am its owner."""
    return service.create_community(g.user.id, body.name, body.description, body.visibility, body.members_can_post)


@bp.route_spec("", "GET", query=CommunitiesQuery, response=CommunityPage, errors=(401, 422))
def search(query: CommunitiesQuery):
    """Search communities by name (words in any order), `mine=1`: mine, `user_id=`: a person's."""
    items, next_cursor = service.list_communities(
        g.user.id, query.q, query.mine, query.limit, query.before, query.user_id
    )
    return {"items": items, "next": next_cursor}


@bp.route_spec("/<int:community_id>", "GET", response=CommunityOut, errors=(401, 404))
def get(community_id: int):
    """A community with members_count and my role."""
    return service.get_community(g.user.id, community_id)


@bp.route_spec(
    "/<int:community_id>", "PATCH", body=CommunityPatchIn, response=CommunityOut, errors=(401, 403, 404, 422)
)
def edit(community_id: int, body: CommunityPatchIn):
    """Admins edit the community."""
    return service.update_community(g.user.id, community_id, body.model_dump(exclude_unset=True))


@bp.route_spec("/<int:community_id>", "DELETE", status=204, errors=(401, 403, 404))
def delete(community_id: int):
    """The owner deletes the community."""
    service.delete_community(g.user.id, community_id)


@bp.route_spec(
    "/<int:community_id>/avatar",
    "PUT",
    response=CommunityOut,
    multipart={"file": "an image (JPEG, PNG, WebP, GIF)"},
    errors=(401, 403, 404, 413, 415, 422),
)
def put_avatar(community_id: int):
    """Admins upload the community's avatar."""
    upload = uploaded_file("Choose an image.", "image")
    return service.set_avatar(g.user.id, community_id, upload.stream, current_app.config["AVATAR_MAX_BYTES"])


@bp.route_spec("/<int:community_id>/join", "POST", response=RoleOut, errors=(401, 404))
def join(community_id: int):
    """Join (member), or ask to join a closed community (pending)."""
    return service.join(g.user.id, community_id)


@bp.route_spec("/<int:community_id>/leave", "POST", status=204, errors=(401, 404))
def leave(community_id: int):
    """Leave, or withdraw my request."""
    service.leave(g.user.id, community_id)


@bp.route_spec(
    "/<int:community_id>/members", "GET", query=MembersQuery, response=MemberPage, errors=(401, 403, 404, 422)
)
def members(community_id: int, query: MembersQuery):
    """Members (a closed community's: members only); `role=pending`: join requests, for admins."""
    items, next_cursor = service.list_members(g.user.id, community_id, query.role, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec(
    "/<int:community_id>/members/<int:user_id>",
    "PATCH",
    body=MemberRoleIn,
    response=RoleOut,
    errors=(401, 403, 404, 422),
)
def set_role(community_id: int, user_id: int, body: MemberRoleIn):
    """Admins approve a request (pending -> member) or promote; the owner demotes admins."""
    return service.set_role(g.user.id, community_id, user_id, body.role)


@bp.route_spec("/<int:community_id>/members/<int:user_id>", "DELETE", status=204, errors=(401, 403, 404))
def remove_member(community_id: int, user_id: int):
    """Admins remove a member or turn a request down; my own id: leave."""
    service.remove_member(g.user.id, community_id, user_id)


@bp.route_spec("/<int:community_id>/chat", "POST", response=CommunityChatOut, errors=(401, 403, 404, 409))
def open_chat(community_id: int):
    """Admins open the community's group chat with every member (the existing one if there is one)."""
    return open_community_chat(g.user.id, community_id)
