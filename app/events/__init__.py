"""Every server -> client event, named once, and the one way to emit them (see base.py).

Importing this package declares every event: one module per domain. Services and socket
handlers both sit above it; it imports only schemas, the database's commit hook and the
Socket.IO extension.
"""

from app.events import market, messenger, social  # noqa: F401  (declares the events)
from app.events.base import SERVER_EVENTS, emit_after_commit, emit_now, emit_to_rooms, server_event, user_room

__all__ = ["SERVER_EVENTS", "emit_after_commit", "emit_now", "emit_to_rooms", "server_event", "user_room"]
