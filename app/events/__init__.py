"""Every server -> client event, named once, and the one way to emit them (see base.py).

Importing this package declares every event: one module per domain. Services and socket
handlers both sit above it; it imports only schemas, the database's commit hook and the
Socket.IO extension.
"""

from app.events import auth, market, messenger, music, notifications, social, system  # noqa: F401  (declares the events)
from app.events.base import SERVER_EVENTS, emit_after_commit, emit_now, emit_to_rooms, server_event, user_room

# Every domain has declared its notification kinds: build the `notification` event from them.
notifications.seal()

__all__ = ["SERVER_EVENTS", "emit_after_commit", "emit_now", "emit_to_rooms", "server_event", "user_room"]
