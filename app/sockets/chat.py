"""Messenger socket events: thin wrappers around the same services as the REST routes."""

from __future__ import annotations

from typing import Any

from app.schemas.chats import (
    ChatReadIn,
    MessageAck,
    MessageEditEvent,
    MessageRef,
    MessageSendIn,
    ReadAck,
    SyncIn,
    SyncOut,
    TypingIn,
)
from app.services import messages as service
from app.services.chats import chat_partners
from app.sockets.connection import presence_audience
from app.sockets.events import Connection, socket_event

if chat_partners not in presence_audience:
    presence_audience.append(chat_partners)


@socket_event("message:send", MessageSendIn, ack=MessageAck)
def message_send(conn: Connection, payload: MessageSendIn) -> dict[str, Any]:
    """Store and broadcast a message; the ack carries the stored message (also on a client_id replay)."""
    message, _created = service.send_message(
        conn.user_id, payload.chat_id, payload.body, payload.client_id, payload.reply_to, payload.attachment_id
    )
    return {"message": message}


@socket_event("message:edit", MessageEditEvent, ack=MessageAck)
def message_edit(conn: Connection, payload: MessageEditEvent) -> dict[str, Any]:
    """Edit my message."""
    return {"message": service.edit_message(conn.user_id, payload.message_id, payload.body)}


@socket_event("message:delete", MessageRef)
def message_delete(conn: Connection, payload: MessageRef) -> None:
    """Delete a message (soft)."""
    service.delete_message(conn.user_id, payload.message_id)


@socket_event("chat:sync", SyncIn, ack=SyncOut)
def chat_sync(conn: Connection, payload: SyncIn) -> dict[str, Any]:
    """Messages after `after_seq`, in order, and whether more remain."""
    messages, has_more = service.sync(conn.user_id, payload.chat_id, payload.after_seq, payload.limit)
    return {"messages": messages, "has_more": has_more}


@socket_event("chat:read", ChatReadIn, ack=ReadAck)
def chat_read(conn: Connection, payload: ChatReadIn) -> dict[str, Any]:
    """Mark the chat read up to seq."""
    return {"seq": service.mark_read(conn.user_id, payload.chat_id, payload.seq)}


@socket_event("typing", TypingIn)
def typing(conn: Connection, payload: TypingIn) -> None:
    """Tell the other members that I am typing (or stopped)."""
    service.typing(conn.user_id, payload.chat_id, payload.typing)
