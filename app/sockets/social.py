"""Social socket events: `posts:watch`, the posts on my screen whose likes and comments I hear live,
and `post:like`, a like sent over the socket the page already has open.

A watch is checked when it is made, and again when access is taken away: a block, leaving or being
removed from a closed community, a community turning closed. The service then calls
`run_everywhere_after_commit(REWATCH, ...)` and every worker re-checks the `post:<id>` rooms of the
affected sockets it holds (`recheck_watches`), so nothing more is heard from a post one may no
longer see, not even until the next `posts:watch`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.events.base import user_room
from app.events.social import REWATCH, post_room
from app.extensions import db, socketio
from app.models.social import Post
from app.permissions import visible_post_ids
from app.realtime import every_worker
from app.schemas.social import LikeAck, PostLikeIn, PostsWatchIn
from app.services.friends import friend_ids
from app.services.posts import set_like
from app.sockets.connection import presence_audience
from app.sockets.events import Connection, Limit, get_connection, socket_event

# Friends see each other come online and go offline, like the people who share a chat.
if friend_ids not in presence_audience:
    presence_audience.append(friend_ids)


@socket_event("posts:watch", PostsWatchIn)
def posts_watch(conn: Connection, payload: PostsWatchIn) -> dict[str, Any]:
    """Watch these posts (at most 100; those I may not see are left out), replacing the previous set."""
    wanted = {post_room(pid) for pid in visible_post_ids(conn.user_id, list(dict.fromkeys(payload.post_ids)))}
    db.session.close()
    server, sid = socketio.server, conn.sid
    for room in server.rooms(sid, namespace="/"):
        if room.startswith("post:") and room not in wanted:
            server.leave_room(sid, room, namespace="/")
    for room in wanted:
        server.enter_room(sid, room, namespace="/")
    return {"post_ids": sorted(int(r.split(":", 1)[1]) for r in wanted)}


@socket_event("post:like", PostLikeIn, ack=LikeAck, limit=Limit(rate=5, burst=30))
def post_like(conn: Connection, payload: PostLikeIn) -> dict[str, Any]:
    """Like or unlike a post I may see: `{likes, liked}`, after the commit that holds it.

    The service is REST's (`set_like`: the access check, the group commit, the coalesced
    `post:updated`); over the socket a like skips an HTTP request's parsing and its login-session
    query, which were most of a like's CPU (docs/PERFORMANCE.md, "Like storm"). The socket's own
    authority is checked at connect and ends with its session (revocation closes it)."""
    return set_like(conn.user_id, payload.post_id, payload.like)


def _watched(server: object, sid: str) -> list[int]:
    return [int(r.split(":", 1)[1]) for r in server.rooms(sid, namespace="/") if r.startswith("post:")]  # type: ignore[attr-defined]


@every_worker(REWATCH)
def recheck_watches(data: dict[str, Any]) -> None:
    """On this worker: take sockets out of the `post:<id>` rooms their user may no longer see.

    `data` is `{"user_ids": [...]}` (a block, a leave, a removal: those users' sockets) or
    `{"community_id": id}` (the community turned closed: every socket watching one of its posts).
    """
    server = socketio.server
    if server is None:
        return
    from app.redis_client import local_sids

    by_user: dict[int, set[str]] = {}
    if data.get("user_ids"):
        for uid in data["user_ids"]:
            by_user[int(uid)] = local_sids(server, [user_room(int(uid))])
    if data.get("community_id") is not None:
        watched_rooms = [r for r in server.manager.rooms.get("/", {}) if isinstance(r, str) and r.startswith("post:")]
        ids = [int(r.split(":", 1)[1]) for r in watched_rooms]
        theirs = (
            set(db.session.scalars(select(Post.id).where(Post.id.in_(ids), Post.community_id == data["community_id"])))
            if ids
            else set()
        )
        for sid in local_sids(server, [post_room(pid) for pid in theirs]):
            conn = get_connection(sid)
            if conn is not None:
                by_user.setdefault(conn.user_id, set()).add(sid)
    for uid, sids in by_user.items():
        for sid in sids:
            watched = _watched(server, sid)
            if not watched:
                continue
            keep = set(visible_post_ids(uid, watched))
            for pid in watched:
                if pid not in keep:
                    server.leave_room(sid, post_room(pid), namespace="/")
