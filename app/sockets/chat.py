"""Messenger socket events: thin wrappers around the same services as the REST routes."""

from __future__ import annotations

import threading
from time import perf_counter
from typing import Any

from flask import current_app

from app import metrics
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
from app.sockets.events import Connection, Limit, socket_event

if chat_partners not in presence_audience:
    presence_audience.append(chat_partners)


@socket_event("message:send", MessageSendIn, ack=MessageAck, limit=None)  # MESSAGE_RATE, in the service
def message_send(conn: Connection, payload: MessageSendIn) -> dict[str, Any]:
    """Store and broadcast a message; the ack carries the stored message (also on a client_id replay)."""
    started = perf_counter()
    message, created = service.send_message(
        conn.user_id,
        payload.chat_id,
        payload.body,
        payload.client_id,
        payload.reply_to,
        payload.attachment_id,
        payload.track_id,
    )
    metrics.message_sent(started, created)
    return {"message": message}


@socket_event("message:edit", MessageEditEvent, ack=MessageAck, cost=2, limit=Limit(rate=4, burst=40))
def message_edit(conn: Connection, payload: MessageEditEvent) -> dict[str, Any]:
    """Edit my message."""
    return {"message": service.edit_message(conn.user_id, payload.message_id, payload.body)}


@socket_event("message:delete", MessageRef, cost=2, limit=Limit(rate=4, burst=40))
def message_delete(conn: Connection, payload: MessageRef) -> None:
    """Delete a message (soft)."""
    service.delete_message(conn.user_id, payload.message_id)


def sync_slots() -> threading.BoundedSemaphore:
    """SYNC_CONCURRENCY catch-up syncs of this worker run at once; the others wait their turn (and
    then answer as usual). After a worker restart thousands of clients land here and each syncs its
    chats: unbounded, those syncs take every pooled database connection and fill the event loop's
    run queue, and the live sends of the users who never left wait behind them. Sends take no slot,
    so they keep priority; the clients already spread their reconnects (jittered back-off)."""
    slots = current_app.extensions.get("masterchat.sync_slots")
    if slots is None:
        slots = threading.BoundedSemaphore(max(1, int(current_app.config.get("SYNC_CONCURRENCY", 4))))
        current_app.extensions["masterchat.sync_slots"] = slots
    return slots


# A page of 200 costs 5 (its size dominates), the default page of 100 costs 3.
@socket_event("chat:sync", SyncIn, ack=SyncOut, cost=lambda p: 1 + p.limit // 50, limit=Limit(rate=20, burst=300))
def chat_sync(conn: Connection, payload: SyncIn) -> dict[str, Any]:
    """Messages after `after_seq`, in order, and whether more remain."""
    with sync_slots():
        messages, has_more = service.sync(conn.user_id, payload.chat_id, payload.after_seq, payload.limit)
    return {"messages": messages, "has_more": has_more}


@socket_event("chat:read", ChatReadIn, ack=ReadAck, limit=Limit(rate=5, burst=30))
def chat_read(conn: Connection, payload: ChatReadIn) -> dict[str, Any]:
    """Mark the chat read up to seq."""
    return {"seq": service.mark_read(conn.user_id, payload.chat_id, payload.seq)}


@socket_event("typing", TypingIn, limit=Limit(rate=2, burst=10))  # fans out to every member
def typing(conn: Connection, payload: TypingIn) -> None:
    """Tell the other members that I am typing (or stopped)."""
    service.typing(conn.user_id, payload.chat_id, payload.typing)
