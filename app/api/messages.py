"""Message routes: the same service functions the socket events call."""

from __future__ import annotations

from flask import g

from app import metrics
from app.api.base import ApiBlueprint
from app.schemas.chats import MessageEditIn, MessageOut, MessagePage, MessageSendIn
from app.schemas.common import PageQuery
from app.services import messages as service

bp = ApiBlueprint("messages", __name__, tag="messages", url_prefix="/api/messages")


@bp.route_spec("", "POST", body=MessageSendIn, response=MessageOut, status=201, errors=(401, 403, 404, 422, 429))
def send(body: MessageSendIn):
    """Send a message; the same client_id returns the stored message (200) instead of a second copy."""
    message, created = service.send_message(
        g.user.id, body.chat_id, body.body, body.client_id, body.reply_to, body.attachment_id, body.track_id
    )
    if created:
        metrics.message_stored()
    return message, (201 if created else 200)


@bp.route_spec("/<int:chat_id>", "GET", query=PageQuery, response=MessagePage, errors=(401, 403, 404, 422))
def history(chat_id: int, query: PageQuery):
    """A page of messages in seq order: `after=SEQ` goes forward, `before=SEQ` (or nothing) back from the end."""
    items, next_cursor = service.history(g.user.id, chat_id, query.before, query.after, query.limit)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/<int:message_id>", "PATCH", body=MessageEditIn, response=MessageOut, errors=(401, 403, 404, 422))
def edit(message_id: int, body: MessageEditIn):
    """Edit my message."""
    return service.edit_message(g.user.id, message_id, body.body)


@bp.route_spec("/<int:message_id>", "DELETE", status=204, errors=(401, 403, 404))
def delete(message_id: int):
    """Delete a message (soft): its sender, or a group's owner and admins."""
    service.delete_message(g.user.id, message_id)
