""" "Now listening": what a user plays, told live to the people allowed to see it.

A user shares it only with `share_listening` on in their profile. Who hears it is decided by
`listening_audience`, which asks every function in LISTENING_AUDIENCE: the people who share a chat
with the user, and their friends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app

from app.errors import RateLimited
from app.events import emit_now
from app.events.music import Listening
from app.extensions import db
from app.models import User
from app.permissions import access_track
from app.ratelimit import limiter
from app.services.chats import chat_partners
from app.services.friends import friend_ids
from app.shapes.music import track_out
from app.shapes.users import brief

LISTENING_BURST = 10
LISTENING_AUDIENCE: list[Callable[[int], Iterable[int]]] = [chat_partners, friend_ids]


def listening_audience(user_id: int) -> list[int]:
    """Everyone who may see what the user is listening to (themself excluded)."""
    ids: set[int] = set()
    for fn in LISTENING_AUDIENCE:
        ids.update(fn(user_id))
    ids.discard(user_id)
    return sorted(ids)


def set_listening(user_id: int, track_id: int | None) -> bool:
    """Tell the audience what I play now (None: stopped), if I share it; returns whether it was shared.

    Called by `music:listening` and POST /api/music/listening; NotFound for an unknown track,
    RateLimited past LISTENING_BURST changes in a row (refilled one a second): each one reaches many sockets.
    """
    if current_app.config["RATE_LIMITS"]:
        allowed, retry_after = limiter().take(f"listening:{user_id}", 1.0, LISTENING_BURST)
        if not allowed:
            raise RateLimited(f"Too many track changes; try again in {retry_after} s.", retry_after)
    track = access_track(user_id, track_id) if track_id is not None else None
    user = db.session.get(User, user_id)
    if user is None or not user.share_listening:
        db.session.rollback()
        return False
    payload = {"user_id": user_id, "user": brief(user), "track": track_out(track, None) if track is not None else None}
    audience = listening_audience(user_id)
    db.session.rollback()  # end the read transaction before network I/O
    emit_now(Listening, payload, audience)
    return True
