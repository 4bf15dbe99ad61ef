"""A socket's authority ends with its access token (docs/SECURITY.md, "Sockets and tokens").

The token's expiry is remembered at connect. AUTH_EXPIRY_NOTICE seconds before it (half the token's
life at most) the socket gets `auth:expiring {expires_at, seconds_left}`; the client answers
`auth:refresh {token}` with a fresh access token of the same login session, which moves the expiry on.
Past the expiry every event but `auth:refresh` is refused (`token_expired`), and a sweep that runs
every SWEEP_INTERVAL seconds closes the socket: the grace is bounded by the notice, plus one sweep.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from app.auth import authenticate_socket_token
from app.errors import Forbidden
from app.events import emit_to_rooms
from app.events.auth import AuthExpiring
from app.extensions import socketio
from app.schemas.auth import SocketRefreshAck, SocketRefreshIn
from app.sockets.events import Connection, Limit, connections, socket_event

log = logging.getLogger("masterchat.sockets")

SWEEP_INTERVAL = 1.0  # seconds: a 10,000-socket worker walks its list once a second (~1 ms)
_sweeper = {"running": False}
_lock = threading.Lock()


def _schedule_notice(conn: Connection) -> None:
    """When to warn a socket: AUTH_EXPIRY_NOTICE s before its expiry, but not before half of what is left."""
    notice = float(current_app.config["AUTH_EXPIRY_NOTICE"])
    life = max(0.0, conn.expires_at - time.time())
    conn.warn_at, conn.warned = conn.expires_at - min(notice, life / 2), False


def watch_expiry(conn: Connection) -> None:
    """Schedule the socket's notice and start this worker's expiry sweep if it is not running (at connect)."""
    _schedule_notice(conn)
    with _lock:
        if _sweeper["running"]:
            return
        _sweeper["running"] = True
    socketio.start_background_task(_sweep)


def _sweep() -> None:
    """Warn sockets whose token is about to expire; close those whose token has expired. Stops when idle."""
    try:
        while True:
            socketio.sleep(SWEEP_INTERVAL)
            live = connections()
            if not live:
                return
            now = time.time()
            for conn in live:
                try:
                    if conn.expires_at <= now:
                        log.info("socket %s of user %s closed: its access token expired", conn.sid, conn.user_id)
                        socketio.server.disconnect(conn.sid, namespace="/")
                    elif not conn.warned and conn.warn_at <= now:
                        conn.warned = True
                        expires = datetime.fromtimestamp(conn.expires_at, UTC).isoformat().replace("+00:00", "Z")
                        left = max(0, int(conn.expires_at - now))
                        emit_to_rooms(AuthExpiring, {"expires_at": expires, "seconds_left": left}, [conn.sid])
                except Exception:
                    log.exception("token expiry sweep failed for socket %s", conn.sid)
    finally:
        with _lock:
            _sweeper["running"] = False


@socket_event("auth:refresh", SocketRefreshIn, SocketRefreshAck, limit=Limit(rate=1, burst=5))
def auth_refresh(conn: Connection, payload: SocketRefreshIn) -> dict[str, Any]:
    """Extend this socket's authority with a fresh access token of the same user and login session."""
    user_id, session_id, expires_at = authenticate_socket_token(payload.token)
    if (user_id, session_id) != (conn.user_id, conn.session_id):
        raise Forbidden("That token belongs to another login session.", {"reason": "session_mismatch"})
    if expires_at > conn.expires_at:
        conn.expires_at = expires_at
        _schedule_notice(conn)
    return {"expires_at": datetime.fromtimestamp(conn.expires_at, UTC).isoformat().replace("+00:00", "Z")}
