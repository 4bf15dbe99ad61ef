"""Who is online: a user is online from their first socket until their last one closes.

Kept behind one interface so that several workers can share it through Redis.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Protocol

from flask import current_app


class Presence(Protocol):
    def connect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        """Record a socket (opened under login session `session_id`); True when this made the user online."""

    def disconnect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        """Forget a socket; True when this made the user offline."""

    def session_sids(self, session_id: int) -> set[str]:
        """Every socket id opened under a login session, in every worker."""

    def is_online(self, user_id: int) -> bool:
        """Whether the user has at least one socket."""

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        """The subset of user_ids that are online."""

    def sids(self, user_id: int) -> set[str]:
        """This process's sockets of a user."""


class MemoryPresence:
    """Presence for one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sids: dict[int, set[str]] = {}
        self._sessions: dict[int, set[str]] = {}

    def connect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        with self._lock:
            if session_id is not None:
                self._sessions.setdefault(session_id, set()).add(sid)
            sids = self._sids.setdefault(user_id, set())
            first = not sids
            sids.add(sid)
            return first

    def disconnect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        with self._lock:
            if session_id is not None and session_id in self._sessions:
                self._sessions[session_id].discard(sid)
                if not self._sessions[session_id]:
                    del self._sessions[session_id]
            sids = self._sids.get(user_id)
            if not sids or sid not in sids:
                return False
            sids.discard(sid)
            if not sids:
                del self._sids[user_id]
                return True
            return False

    def is_online(self, user_id: int) -> bool:
        return user_id in self._sids

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        return {uid for uid in user_ids if uid in self._sids}

    def sids(self, user_id: int) -> set[str]:
        return set(self._sids.get(user_id, ()))

    def session_sids(self, session_id: int) -> set[str]:
        return set(self._sessions.get(session_id, ()))


def presence() -> Presence:
    """The app's presence registry."""
    return current_app.extensions["masterchat.presence"]


class RedisPresence:
    """Presence shared by several workers: one Redis set of socket ids per user.

    Each socket id is tagged with its worker, so a worker that restarts clears the
    sockets it left behind when it crashed (`forget_worker`).
    """

    def __init__(self, url: str, worker: str) -> None:
        from app.redis_client import redis_client

        self._redis = redis_client(url, decode_responses=True)
        self._worker = worker
        self._local: dict[int, set[str]] = {}
        self._lock = threading.Lock()
        # One round trip per connect or disconnect (KEYS[3], the login session's set, may be "").
        self._connect = self._redis.register_script(
            "redis.call('SADD', KEYS[1], ARGV[1]) redis.call('SADD', KEYS[2], ARGV[2])"
            " if KEYS[3] ~= '' then redis.call('SADD', KEYS[3], ARGV[3]) redis.call('EXPIRE', KEYS[3], 604800) end"
            " return redis.call('SCARD', KEYS[1])"
        )
        self._disconnect = self._redis.register_script(
            "if KEYS[3] ~= '' then redis.call('SREM', KEYS[3], ARGV[3]) end"
            " local removed = redis.call('SREM', KEYS[1], ARGV[1]) redis.call('SREM', KEYS[2], ARGV[2])"
            " if removed == 0 then return -1 end return redis.call('SCARD', KEYS[1])"
        )

    def _key(self, user_id: int) -> str:
        return f"mc:presence:{user_id}"

    def _worker_key(self) -> str:
        return f"mc:presence-worker:{self._worker}"

    def connect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        with self._lock:
            self._local.setdefault(user_id, set()).add(sid)
        member = f"{self._worker}|{sid}"
        session_key = f"mc:psession:{session_id}" if session_id is not None else ""
        count = self._connect(
            keys=[self._key(user_id), self._worker_key(), session_key], args=[member, f"{user_id}|{member}", sid]
        )
        return int(count) == 1

    def disconnect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        with self._lock:
            sids = self._local.get(user_id)
            if sids is not None:
                sids.discard(sid)
                if not sids:
                    del self._local[user_id]
        member = f"{self._worker}|{sid}"
        session_key = f"mc:psession:{session_id}" if session_id is not None else ""
        count = self._disconnect(
            keys=[self._key(user_id), self._worker_key(), session_key], args=[member, f"{user_id}|{member}", sid]
        )
        return int(count) == 0

    def is_online(self, user_id: int) -> bool:
        return bool(self._redis.exists(self._key(user_id)))

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        ids = list(user_ids)
        if not ids:
            return set()
        pipe = self._redis.pipeline(transaction=False)
        for uid in ids:
            pipe.exists(self._key(uid))
        return {uid for uid, present in zip(ids, pipe.execute(), strict=True) if present}

    def sids(self, user_id: int) -> set[str]:
        return set(self._local.get(user_id, ()))

    def session_sids(self, session_id: int) -> set[str]:
        return set(self._redis.smembers(f"mc:psession:{session_id}"))

    def forget_worker(self) -> int:
        """Remove every socket this worker registered before (after a crash); returns how many."""
        entries = self._redis.smembers(self._worker_key())
        pipe = self._redis.pipeline()
        for entry in entries:
            user_id, member = entry.split("|", 1)
            pipe.srem(self._key(int(user_id)), member)
        pipe.delete(self._worker_key())
        pipe.execute()
        return len(entries)


def make_presence(redis_url: str | None, worker: str) -> Presence:
    """Memory presence for one process, Redis presence when REDIS_URL is set."""
    if not redis_url:
        return MemoryPresence()
    store = RedisPresence(redis_url, worker)
    store.forget_worker()
    return store
