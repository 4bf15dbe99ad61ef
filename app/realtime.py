"""Rooms and session sockets. Events themselves are emitted through app.events (one model each).

Every connection joins `user:<id>` and `session:<auth session id>`. Chat events are
fanned out to the members' user rooms, computed from the database at send time, so
a membership change takes effect on every live socket at once, in every worker.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from app.db import on_commit
from app.events.base import user_room
from app.extensions import socketio

__all__ = ["disconnect_sessions", "disconnect_sessions_after_commit", "session_room", "user_room"]


def session_room(session_id: int) -> str:
    """Name of the room holding the sockets of one login session."""
    return f"session:{session_id}"


def disconnect_sessions(session_ids: Iterable[int]) -> None:
    """Close every socket opened under these login sessions (logout, password change), on every worker.

    With a message queue the session's room is disconnected on each worker through the queue
    (QueueManager.disconnect_room). If that message is lost (Redis away), each worker's session
    check (app/upkeep.py) finds the revocation in the database within SESSION_CHECK_INTERVAL.
    """
    server = socketio.server
    if server is None:
        return
    from app.redis_client import local_sids

    for session_id in session_ids:
        room = session_room(session_id)
        if hasattr(server.manager, "disconnect_room"):
            server.manager.disconnect_room(room)
        else:
            for sid in local_sids(server, [room]):
                server.disconnect(sid, namespace="/")


def disconnect_sessions_after_commit(session_ids: Iterable[int]) -> None:
    """Queue disconnect_sessions() for after the commit."""
    ids = list(session_ids)
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def later() -> None:
        # In one process the socket's disconnect handler runs right here, inside the committing
        # session's after_commit hook; its presence query ("who hears Ann go offline") must not use
        # that finished transaction ("session is in 'committed' state"). A fresh app context gives it
        # a database session of its own (Flask-SQLAlchemy scopes sessions by app context).
        with app.app_context():
            disconnect_sessions(ids)

    on_commit(later)
