"""Rooms and session sockets. Events themselves are emitted through app.events (one model each).

Every connection joins `user:<id>` and `session:<auth session id>`. Chat events are
fanned out to the members' user rooms, computed from the database at send time, so
a membership change takes effect on every live socket at once, in every worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app

from app.db import on_commit
from app.events.base import user_room
from app.extensions import socketio

__all__ = [
    "disconnect_sessions",
    "disconnect_sessions_after_commit",
    "every_worker",
    "run_everywhere",
    "run_everywhere_after_commit",
    "session_room",
    "user_room",
]

# name -> function run on every worker by run_everywhere() (registered at import with @every_worker).
_WORKER_HOOKS: dict[str, Callable[[Any], None]] = {}


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


def every_worker(name: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Register `fn(data)` to be run on every worker by `run_everywhere(name, data)`.

    It runs inside an app context of its own (its own database session) and must only touch this
    worker's own sockets (e.g. `local_sids`).
    """

    def register(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        _WORKER_HOOKS[name] = fn
        return fn

    return register


def run_hook(name: str, data: Any) -> None:
    """Run the hook registered as `name` on this worker (the queue's `on_call`)."""
    _WORKER_HOOKS[name](data)


def worker_hook_runner(app: Any) -> Callable[[str, Any], None]:
    """The message queue's `on_call` for this app: runs the hook in an app context of its own.

    Its own: on the calling worker it runs after the commit, where the request's session is done.
    """

    def run(name: str, data: Any) -> None:
        with app.app_context():
            run_hook(name, data)

    return run


def run_everywhere(name: str, data: Any) -> None:
    """Run the hook `name` with `data` (JSON-able) on every worker: here now, the others through the queue."""
    server = socketio.server
    if server is None:
        return
    manager = server.manager
    if hasattr(manager, "call_everywhere"):
        manager.call_everywhere(name, data)
    else:  # one process, no message queue
        worker_hook_runner(current_app._get_current_object())(name, data)  # type: ignore[attr-defined]


def run_everywhere_after_commit(name: str, data: Any) -> None:
    """Queue run_everywhere() for after the commit."""
    on_commit(lambda: run_everywhere(name, data))
