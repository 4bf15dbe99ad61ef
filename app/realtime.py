"""The one way services talk to sockets: emit to users' private rooms, after the commit.

Every connection joins `user:<id>` and `session:<auth session id>`. Chat events are
fanned out to the members' user rooms, computed from the database at send time, so
a membership change takes effect on every live socket at once, in every worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.db import on_commit
from app.extensions import socketio


def user_room(user_id: int) -> str:
    """Name of a user's private room."""
    return f"user:{user_id}"


def session_room(session_id: int) -> str:
    """Name of the room holding the sockets of one login session."""
    return f"session:{session_id}"


def emit_now(event: str, payload: Any, user_ids: Iterable[int]) -> None:
    """Emit `event` to every socket of every user in user_ids (no transaction involved)."""
    rooms = [user_room(uid) for uid in set(user_ids)]
    if rooms:
        socketio.emit(event, payload, to=rooms)


def emit_after_commit(event: str, payload: Any, user_ids: Iterable[int]) -> None:
    """Queue an emit that goes out only when the current transaction commits."""
    ids = list(user_ids)
    on_commit(lambda: emit_now(event, payload, ids))


def disconnect_sessions(session_ids: Iterable[int]) -> None:
    """Close every socket opened under these login sessions (logout, password change)."""
    server = socketio.server
    if server is None:
        return
    from app.presence import presence

    for session_id in session_ids:
        # Presence knows the sockets of every worker; with a message queue, disconnecting
        # a socket of another worker is forwarded to it by python-socketio.
        for sid in presence().session_sids(session_id):
            server.disconnect(sid, namespace="/")


def disconnect_sessions_after_commit(session_ids: Iterable[int]) -> None:
    """Queue disconnect_sessions() for after the commit."""
    ids = list(session_ids)
    on_commit(lambda: disconnect_sessions(ids))
