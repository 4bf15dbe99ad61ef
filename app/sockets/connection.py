"""Connect and disconnect: the JWT checked at the handshake, rooms, presence."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room

from app import logs, metrics
from app.auth import authenticate_socket_token
from app.errors import DomainError
from app.events import emit_now
from app.events.messenger import Presence
from app.extensions import db, socketio
from app.presence import presence
from app.realtime import session_room, user_room
from app.schemas.chats import PingAck
from app.sockets.auth import watch_expiry
from app.sockets.events import Connection, forget_connection, register_connection, socket_event

log = logging.getLogger("masterchat.sockets")

# Who hears a user's presence changes: the people who share a chat with them.
# The messenger installs its query here; until then nobody does.
presence_audience: list[Callable[[int], list[int]]] = []


def _audience(user_id: int) -> list[int]:
    ids: set[int] = set()
    for fn in presence_audience:
        ids.update(fn(user_id))
    ids.discard(user_id)
    # Hand the database connection back before the emit goes out over the network (Redis with
    # several workers): a connect storm must not hold the pool while it waits on other I/O.
    db.session.close()
    return sorted(ids)


_slot_pools: dict[str, threading.BoundedSemaphore] = {}


def _slots(kind: str = "connect") -> threading.BoundedSemaphore:
    """CONNECT_CONCURRENCY connects, and as many disconnects, at a time do their database and Redis
    work: in a reconnect storm (a worker restarted, its users arriving here) or a crowd leaving, the
    others wait their turn instead of taking every pooled database connection, so the sends of users
    already connected keep theirs. Connects do not queue behind disconnects: when 2,000 users dropped
    and came back at once, one shared queue made every returning user wait for all 2,000 "went
    offline" announcements first (reconnect p50 8.2 s of a 10 s storm; docs/PERFORMANCE.md, "A
    reconnect storm of 2,000")."""
    pool = _slot_pools.get(kind)
    if pool is None:
        pool = _slot_pools[kind] = threading.BoundedSemaphore(current_app.config.get("CONNECT_CONCURRENCY", 8))
    return pool


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    """Accept a socket only with a valid access token in `auth.token`; join its rooms."""
    with _slots():
        _connect(auth)


def _connect(auth: Any) -> None:
    token = auth.get("token") if isinstance(auth, dict) else None
    try:
        user_id, session_id, expires_at = authenticate_socket_token(token)
    except DomainError:
        raise ConnectionRefusedError("unauthorized", {"code": "unauthorized"}) from None
    except Exception:
        # e.g. the database is unreachable: refuse with a log line rather than leave the client hanging.
        log.exception("socket connect failed")
        raise ConnectionRefusedError("internal_error", {"code": "internal_error"}) from None
    sid = request.sid  # type: ignore[attr-defined]
    # End the handshake's read transaction before presence is recorded: the audience query below
    # must see every chat committed until now. On SQLite the snapshot of the token check would
    # hide a direct chat created meanwhile, whose creator then read "offline" and heard no
    # later `presence` (issue 12, item 6).
    db.session.close()
    conn = Connection(sid=sid, user_id=user_id, session_id=session_id, expires_at=expires_at)
    watch_expiry(conn)
    register_connection(conn)
    join_room(user_room(user_id))
    join_room(session_room(session_id))
    metrics.socket_connected()
    logs.socket_event("connect", user_id, sid, session_id)
    if presence().connect(user_id, sid, session_id):
        announce(user_id, True)


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    """Forget the socket; the user goes offline when their last socket closes."""
    conn = forget_connection(request.sid)  # type: ignore[attr-defined]
    if conn is None:
        return
    metrics.socket_disconnected()
    logs.socket_event("disconnect", conn.user_id, conn.sid, conn.session_id)
    # With Redis, the user goes offline PRESENCE_GRACE later (app/upkeep.py announces it) unless they
    # reconnect meanwhile; True here means offline now (one process, or Redis unavailable).
    # In slots of their own: a crowd leaving at once (1,000 likers closing their sockets together)
    # otherwise took every pooled connection for its presence queries, and the update everyone was
    # waiting for (the like count) waited behind them (docs/PERFORMANCE.md, "Like storm, third round").
    with _slots("disconnect"):
        if presence().disconnect(conn.user_id, conn.sid, conn.session_id):
            announce(conn.user_id, False)


def announce(user_id: int, online: bool) -> None:
    """Tell the people who share a chat with the user that they came online or went offline."""
    try:
        emit_now(Presence, {"user_id": user_id, "online": online}, _audience(user_id))
    except Exception:
        log.exception("presence broadcast failed for user %s", user_id)


@socketio.on_error_default
def on_error(err: Exception) -> dict[str, Any]:
    """Backstop for handlers not wrapped by socket_event: an error ack, never a silent drop."""
    log.exception("unhandled socket error: %s", err)
    return {
        "ok": False,
        "error": {"code": "internal_error", "message": "Something went wrong on our side.", "details": {}},
    }


@socket_event("ping", ack=PingAck)
def ping(conn: Connection, _payload: Any) -> dict[str, Any]:
    """A cheap round trip for clients and load testers: who am I, and the server's answer."""
    return {"user_id": conn.user_id}
