"""Music socket events: "now listening", the same service as its REST route."""

from __future__ import annotations

from typing import Any

from app.schemas.music import ListeningAck, ListeningIn
from app.services import listening
from app.sockets.events import Connection, socket_event


@socket_event("music:listening", ListeningIn, ack=ListeningAck)
def music_listening(conn: Connection, payload: ListeningIn) -> dict[str, Any]:
    """Tell the people allowed to see it what I play now (null: stopped); ack `{shared}`."""
    return {"shared": listening.set_listening(conn.user_id, payload.track_id)}
