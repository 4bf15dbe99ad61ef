"""Chat routes: thin wrappers around app.services.chats (and mark_read from app.services.messages)."""

from __future__ import annotations

from flask import g

from app.api.base import ApiBlueprint
from app.schemas.chats import (
    ChatCreateIn,
    ChatOut,
    ChatPage,
    ChatPatchIn,
    MemberAddIn,
    MemberEvent,
    MemberRoleIn,
    ReadEvent,
    ReadIn,
)
from app.schemas.common import PageQuery
from app.services import chats as service
from app.services.messages import mark_read

bp = ApiBlueprint("chats", __name__, tag="chats", url_prefix="/api/chats")


@bp.route_spec("", "GET", query=PageQuery, response=ChatPage, errors=(401, 422))
def list_chats(query: PageQuery):
    """My chats, newest activity first, with last_message and unread; `after` is the offset cursor."""
    items, next_cursor = service.list_chats(g.user.id, query.limit, query.after or 0)
    return {"items": items, "next": next_cursor}


@bp.route_spec("", "POST", body=ChatCreateIn, response=ChatOut, status=201, errors=(401, 404, 422))
def create_chat(body: ChatCreateIn):
    """Create a group, or open the direct chat with a user (200 with the existing one)."""
    if body.type == "direct":
        chat, created = service.get_or_create_direct(g.user.id, body.user_id)
        return chat, (201 if created else 200)
    return service.create_group(g.user.id, body.name, body.description, body.member_ids)


@bp.route_spec("/<int:chat_id>", "GET", response=ChatOut, errors=(401, 403, 404))
def get_chat(chat_id: int):
    """A chat with its members and my last_read_seq."""
    return service.get_chat(g.user.id, chat_id)


@bp.route_spec("/<int:chat_id>", "PATCH", body=ChatPatchIn, response=ChatOut, errors=(401, 403, 404, 422))
def patch_chat(chat_id: int, body: ChatPatchIn):
    """Rename or describe a group (owner and admins)."""
    return service.update_chat(g.user.id, chat_id, body.model_dump(exclude_unset=True))


@bp.route_spec("/<int:chat_id>", "DELETE", status=204, errors=(401, 403, 404))
def delete_chat(chat_id: int):
    """Delete a group (owner, or an admin when there is no owner)."""
    service.delete_chat(g.user.id, chat_id)


@bp.route_spec(
    "/<int:chat_id>/members", "POST", body=MemberAddIn, response=MemberEvent, status=201, errors=(401, 403, 404, 409)
)
def add_member(chat_id: int, body: MemberAddIn):
    """Add a member to a group (owner and admins)."""
    return service.add_member(g.user.id, chat_id, body.user_id)


@bp.route_spec("/<int:chat_id>/members/<int:user_id>", "DELETE", status=204, errors=(401, 403, 404))
def remove_member(chat_id: int, user_id: int):
    """Remove a member (owner and admins), or leave when user_id is mine."""
    service.remove_member(g.user.id, chat_id, user_id)


@bp.route_spec(
    "/<int:chat_id>/members/<int:user_id>",
    "PATCH",
    body=MemberRoleIn,
    response=MemberEvent,
    errors=(401, 403, 404, 422),
)
def set_role(chat_id: int, user_id: int, body: MemberRoleIn):
    """Make a member an admin, or an admin a member again (owner and admins)."""
    return service.set_role(g.user.id, chat_id, user_id, body.role)


@bp.route_spec("/<int:chat_id>/read", "POST", body=ReadIn, response=ReadEvent, errors=(401, 403, 404, 422))
def read(chat_id: int, body: ReadIn):
    """Mark the chat read up to seq (the mark never moves back)."""
    seq = mark_read(g.user.id, chat_id, body.seq)
    return {"chat_id": chat_id, "user_id": g.user.id, "seq": seq}
