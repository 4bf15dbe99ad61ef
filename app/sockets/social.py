"""Social socket events: `posts:watch`, the posts on my screen whose likes and comments I hear live."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import join_room, leave_room, rooms

from app.events.social import post_room
from app.extensions import db
from app.permissions import visible_post_ids
from app.schemas.social import PostsWatchIn
from app.services.friends import friend_ids
from app.sockets.connection import presence_audience
from app.sockets.events import Connection, socket_event

# Friends see each other come online and go offline, like the people who share a chat.
if friend_ids not in presence_audience:
    presence_audience.append(friend_ids)


@socket_event("posts:watch", PostsWatchIn)
def posts_watch(conn: Connection, payload: PostsWatchIn) -> dict[str, Any]:
    """Watch these posts (at most 100; those I may not see are left out), replacing the previous set."""
    wanted = {post_room(pid) for pid in visible_post_ids(conn.user_id, list(dict.fromkeys(payload.post_ids)))}
    db.session.close()
    sid = request.sid  # type: ignore[attr-defined]
    for room in rooms(sid):
        if room.startswith("post:") and room not in wanted:
            leave_room(room, sid)
    for room in wanted:
        join_room(room, sid)
    return {"post_ids": sorted(int(r.split(":", 1)[1]) for r in wanted)}
