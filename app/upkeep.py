"""A worker's background upkeep, and what it does when Redis or the worker itself goes away.

`start(app)` runs one background task per server process that, every quarter second:
- heartbeats presence (RedisPresence.heartbeat: refresh, re-register after a Redis restart,
  clear dead workers), every PRESENCE_TTL / 6 seconds (5 s at most);
- announces the users whose grace ran out (RedisPresence.due_offline, PRESENCE_BATCH a second);
- closes this worker's sockets of login sessions revoked in the database, every
  SESSION_CHECK_INTERVAL seconds: logout closes sockets even when the queue's message was
  lost, and whatever Redis lost or never recorded (sockets opened during an outage);
- on SQLite, adds the messages stored since the last tick to the search index
  (app/services/search.py, index_new_messages).

`install_queue_hooks` tells clients to resync after the queue listener reconnects or
publishes were dropped; `drain` is SIGTERM's graceful shutdown (wsgi.py).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.extensions import db, socketio

log = logging.getLogger("masterchat.upkeep")

TICK = 0.25


def install_queue_hooks(manager: Any) -> None:
    """Wire the message queue's fault reports to `resync` events."""
    from app.events.base import checked
    from app.events.system import Resync

    def resubscribed() -> None:
        # Everything published while this worker was not listening missed its sockets: all of them sync.
        name, data = checked(Resync, {"reason": "queue"})
        socketio.server.emit(name, data, namespace="/", ignore_queue=True)

    def lost(rooms: list[str]) -> None:
        name, data = checked(Resync, {"reason": "publish"})
        socketio.server.emit(name, data, namespace="/", to=rooms or None)

    manager.on_resubscribed = resubscribed
    manager.on_lost = lost


def start(app: Flask) -> None:
    """Register this worker's presence and run the upkeep loop in a background task of the server."""
    from app.presence import register_worker

    register_worker(app.extensions["masterchat.presence"])
    socketio.start_background_task(_run, app)


def _run(app: Flask) -> None:
    from app.presence import RedisPresence
    from app.redis_client import breaker
    from app.services.search import index_new_messages

    store = app.extensions["masterchat.presence"]
    redis_presence = isinstance(store, RedisPresence)
    beat_every = min(5.0, max(0.5, store.ttl / 6)) if redis_presence else 0
    check_every = float(app.config.get("SESSION_CHECK_INTERVAL", 1))
    per_tick = max(1, int(getattr(store, "batch", 500) * TICK))
    next_beat = next_check = 0.0
    since = _utcnow() - timedelta(seconds=5)
    while True:
        now = time.monotonic()
        with app.app_context():
            if redis_presence and now >= next_beat:
                next_beat = now + beat_every
                try:
                    store.heartbeat()
                    breaker.ok()
                except Exception as exc:
                    store._dirty = True
                    log.warning("presence heartbeat failed: %s", exc)
            if redis_presence and not store._dirty:
                try:
                    store.batch = per_tick
                    for user_id in store.due_offline():
                        announce(user_id, False)
                except Exception as exc:
                    log.warning("presence: announcing offline users failed: %s", exc)
            if check_every > 0 and now >= next_check:
                next_check = now + check_every
                try:
                    since = close_revoked(since)
                except Exception as exc:
                    log.warning("revoked-session check failed: %s", exc)
            try:
                index_new_messages()
            except Exception as exc:  # the next tick tries again; search matches the rest with LIKE meanwhile
                db.session.rollback()
                log.warning("indexing new messages for search failed: %s", exc)
            db.session.remove()
        time.sleep(TICK)


def announce(user_id: int, online: bool) -> None:
    """Presence change to the user's chat partners (app/sockets/connection.py)."""
    from app.sockets.connection import announce as _announce

    _announce(user_id, online)


def _utcnow():
    from app.models.base import utcnow

    return utcnow()


def close_revoked(since: Any) -> Any:
    """Disconnect this worker's sockets of sessions revoked since `since`; returns the next `since`."""
    from app.models import AuthSession
    from app.presence import presence
    from app.realtime import session_room
    from app.redis_client import local_sids

    started = _utcnow()
    mine = presence().local_sessions()
    if mine:
        table = AuthSession.__table__
        revoked = set(db.session.execute(select(table.c.id).where(table.c.revoked_at >= since)).scalars())
        hit = mine & revoked
        if hit and socketio.server is not None:
            sids = local_sids(socketio.server, [session_room(s) for s in hit])
            for sid in sids:
                socketio.server.disconnect(sid, namespace="/", ignore_queue=True)
            log.info("closed %d socket(s) of %d revoked session(s)", len(sids), len(hit))
    # Overlap the windows: a revocation committed while this query ran is seen next time.
    return started - timedelta(seconds=5)


def drain(app: Flask, stop_accepting: Any, timeout: float) -> None:
    """SIGTERM: stop accepting, let sends in flight finish, send clients elsewhere, clear presence, exit.

    Clients get `server:draining`; then the process exits and the kernel closes every connection
    at once, which clients treat as a dropped connection: they reconnect (behind nginx, to another
    worker) and sync. No per-socket disconnect handling: with thousands of sockets on a busy
    machine it took 40 s, this is bounded by DRAIN_TIMEOUT whatever the load. A send caught in
    between is rolled back or stored; the client's resend with the same client_id stores it once.
    """
    import os

    from app.events.base import checked
    from app.events.system import ServerDraining
    from app.group_commit import all_idle
    from app.presence import RedisPresence

    started = time.monotonic()
    deadline = started + timeout
    log.warning("SIGTERM: draining (at most %.0f s)", timeout)
    try:
        stop_accepting()
    except Exception:
        log.exception("closing the listener failed")
    server = socketio.server
    sockets = len(server.eio.sockets)
    # Clients come back after a random wait under reconnect_within_ms: 2 s, plus 2 ms per socket up
    # to 10 s, so 5,000 drained clients reach the other workers at about 500 connects a second.
    within_ms = min(10_000, max(2_000, 2 * sockets))
    after_ms = int(app.config["DRAIN_RECONNECT_AFTER"] * 1000)
    name, data = checked(ServerDraining, {"reconnect_within_ms": within_ms, "reconnect_after_ms": after_ms})
    try:
        server.emit(name, data, namespace="/", ignore_queue=True)
    except Exception:
        log.exception("telling clients to reconnect failed")
    # Sends already received finish (a group commit included) while the notice is written out.
    time.sleep(min(1.0, timeout / 4))
    while not all_idle() and time.monotonic() < deadline - 2:
        time.sleep(0.05)
    # Presence: each user leaves after a grace unless they are back (on another worker) by then.
    store = app.extensions["masterchat.presence"]
    if isinstance(store, RedisPresence):
        try:
            log.info("presence: %d user(s) leave with the worker", store.drain((after_ms + within_ms) / 1000))
        except Exception as exc:
            log.warning("presence drain failed: %s", exc)
    manager = server.manager
    if hasattr(manager, "flush"):
        manager.flush(max(0.2, deadline - time.monotonic() - 0.5))
    log.warning("drained %d socket(s) in %.1f s; exiting", sockets, time.monotonic() - started)
    logging.shutdown()
    os._exit(0)
