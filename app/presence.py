"""Who is online: a user is online from their first socket until their last one closes.

Kept behind one interface so that several workers can share it through Redis. Each worker
always knows its own sockets (which user, which login session) in memory; Redis holds only
what the workers share, and each worker can rebuild its part of it at any time:

Keys start with `mc:<REDIS_CHANNEL>:` (below, `mc:`):
- `mc:pw:<worker>`: the set of user ids with a socket on that worker;
- `mc:alive:<worker>`: the worker's heartbeat, expiring after PRESENCE_TTL seconds;
- `mc:workers`: the workers that registered, so a live one can clear a dead one's users;
- `mc:leaving`: users whose last socket closed, by the time they go offline (PRESENCE_GRACE
  later): a reconnect before then (a page reload, a worker draining) shows no offline/online flap.

A user is online while in the set of a live worker or in `mc:leaving`. `heartbeat()` (every
few seconds) refreshes the worker's key, re-registers its users when Redis lost them (a
restart, an outage), and clears dead workers' sets; `due_offline()` hands the users whose
grace ran out, at most PRESENCE_BATCH at a time, to the task that announces them.
When Redis fails, reads fall back to this worker's own sockets and writes are redone by the
next heartbeat.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Protocol

from flask import current_app

log = logging.getLogger("masterchat.presence")


class Presence(Protocol):
    def connect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        """Record a socket (opened under login session `session_id`); True when this made the user online."""

    def disconnect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        """Forget a socket; True when this made the user offline (now, not after a grace period)."""

    def session_sids(self, session_id: int) -> set[str]:
        """This process's sockets opened under a login session."""

    def local_sessions(self) -> set[int]:
        """The login sessions with a socket in this process."""

    def is_online(self, user_id: int) -> bool:
        """Whether the user has at least one socket."""

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        """The subset of user_ids that are online."""

    def sids(self, user_id: int) -> set[str]:
        """This process's sockets of a user."""


class _Local:
    """This process's own sockets: user -> sids, login session -> sids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sids: dict[int, set[str]] = {}
        self._sessions: dict[int, set[str]] = {}

    def add(self, user_id: int, sid: str, session_id: int | None) -> bool:
        """Add a socket; True when it is the user's first here."""
        with self._lock:
            if session_id is not None:
                self._sessions.setdefault(session_id, set()).add(sid)
            sids = self._sids.setdefault(user_id, set())
            first = not sids
            sids.add(sid)
            return first

    def remove(self, user_id: int, sid: str, session_id: int | None) -> bool:
        """Remove a socket; True when it was the user's last here."""
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

    def users(self) -> list[int]:
        with self._lock:
            return list(self._sids)

    def has(self, user_id: int) -> bool:
        return user_id in self._sids

    def sids(self, user_id: int) -> set[str]:
        return set(self._sids.get(user_id, ()))

    def session_sids(self, session_id: int) -> set[str]:
        return set(self._sessions.get(session_id, ()))

    def sessions(self) -> set[int]:
        with self._lock:
            return set(self._sessions)


class MemoryPresence:
    """Presence for one process."""

    def __init__(self) -> None:
        self._local = _Local()

    def connect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        return self._local.add(user_id, sid, session_id)

    def disconnect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        return self._local.remove(user_id, sid, session_id)

    def is_online(self, user_id: int) -> bool:
        return self._local.has(user_id)

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        return {uid for uid in user_ids if self._local.has(uid)}

    def sids(self, user_id: int) -> set[str]:
        return self._local.sids(user_id)

    def session_sids(self, session_id: int) -> set[str]:
        return self._local.session_sids(session_id)

    def local_sessions(self) -> set[int]:
        return self._local.sessions()


def presence() -> Presence:
    """The app's presence registry."""
    return current_app.extensions["masterchat.presence"]


# The sets of the live workers (listed in <prefix>workers, heartbeat key present). The keys are
# built inside the scripts from the prefix in ARGV[1]: fine on one Redis (not on Redis Cluster).
_LIVE = """
local P = ARGV[1]
local function live_sets()
  local sets = {}
  for _, w in ipairs(redis.call('SMEMBERS', P .. 'workers')) do
    if redis.call('EXISTS', P .. 'alive:' .. w) == 1 then table.insert(sets, P .. 'pw:' .. w) end
  end
  return sets
end
local function held(sets, uid)
  for _, key in ipairs(sets) do
    if redis.call('SISMEMBER', key, uid) == 1 then return true end
  end
  return false
end
"""
# KEYS[1] my set; ARGV[2] user id. Returns 1 when the user was offline everywhere before this socket.
_CONNECT = (
    _LIVE
    + """
local was = redis.call('ZREM', P .. 'leaving', ARGV[2]) == 1 or held(live_sets(), ARGV[2])
redis.call('SADD', KEYS[1], ARGV[2])
if was then return 0 end
return 1
"""
)
# ARGV[2..]: user ids. Returns those online (held by a live worker, or leaving within their grace).
_ONLINE = (
    _LIVE
    + """
local sets = live_sets()
local found = {}
for i = 2, #ARGV do
  local uid = ARGV[i]
  if redis.call('ZSCORE', P .. 'leaving', uid) or held(sets, uid) then table.insert(found, uid) end
end
return found
"""
)
# ARGV[2] now, ARGV[3] how many. Pops the users whose grace ran out; returns those no live worker holds.
_DUE = (
    _LIVE
    + """
local due = redis.call('ZRANGEBYSCORE', P .. 'leaving', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local sets = live_sets()
local gone = {}
for _, uid in ipairs(due) do
  redis.call('ZREM', P .. 'leaving', uid)
  if not held(sets, uid) then table.insert(gone, uid) end
end
return gone
"""
)


class RedisPresence:
    """Presence shared by several workers through Redis (see the module's docstring)."""

    def __init__(
        self, url: str, worker: str, ttl: float = 30, grace: float = 3, batch: int = 500, namespace: str = "masterchat"
    ) -> None:
        from app.redis_client import redis_client

        self._redis = redis_client(url, decode_responses=True)
        self.worker = worker
        self.ttl = max(3, int(ttl))
        self.grace = grace
        self.batch = batch
        self._local = _Local()
        # Every key starts with mc:<namespace>: (REDIS_CHANNEL): clusters sharing a Redis database stay apart.
        self._p = f"mc:{namespace}:"
        self._leaving = f"{self._p}leaving"
        self._workers = f"{self._p}workers"
        self._dirty = True  # Redis may not hold this worker's users: re-register at the next heartbeat
        self._draining = False  # drain() wrote every user's leaving already
        self._connect = self._redis.register_script(_CONNECT)
        self._due = self._redis.register_script(_DUE)
        self._online = self._redis.register_script(_ONLINE)
        self.rebuilds = 0

    # keys
    def _set(self, worker: str | None = None) -> str:
        return f"{self._p}pw:{worker or self.worker}"

    def _alive(self, worker: str | None = None) -> str:
        return f"{self._p}alive:{worker or self.worker}"

    def _guard(self, call, fallback):
        from app.redis_client import guarded

        def failed():
            self._dirty = True
            return fallback()

        return guarded(call, failed)

    # the Presence interface
    def connect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        if not self._local.add(user_id, sid, session_id):
            return False  # another tab on this worker: already online
        return bool(self._guard(lambda: int(self._connect(keys=[self._set()], args=[self._p, user_id])), lambda: 1))

    def disconnect(self, user_id: int, sid: str, session_id: int | None = None) -> bool:
        if not self._local.remove(user_id, sid, session_id) or self._draining:
            return False
        due = time.time() + self.grace

        def leave() -> bool:
            pipe = self._redis.pipeline(transaction=True)
            pipe.srem(self._set(), user_id)
            pipe.zadd(self._leaving, {str(user_id): due})
            pipe.execute()
            return False  # announced by due_offline() once the grace runs out

        # Redis away: say offline now unless another tab here is open (the next heartbeat resyncs).
        return bool(self._guard(leave, lambda: True))

    def is_online(self, user_id: int) -> bool:
        return user_id in self.online_among([user_id])

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return set()
        local = {uid for uid in ids if self._local.has(uid)}

        def ask() -> set[int]:
            return {int(uid) for uid in self._online(args=[self._p, *ids])} | local

        return self._guard(ask, lambda: local)

    def sids(self, user_id: int) -> set[str]:
        return self._local.sids(user_id)

    def session_sids(self, session_id: int) -> set[str]:
        return self._local.session_sids(session_id)

    def local_sessions(self) -> set[int]:
        return self._local.sessions()

    # upkeep
    def heartbeat(self) -> list[str]:
        """Refresh this worker's key; re-register its users if Redis lost them; clear dead workers.

        Returns the dead workers whose users were handed to due_offline(). Raises on Redis errors.
        """
        users = self._local.users()
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(self._alive(), int(time.time()), ex=self.ttl)
        pipe.sadd(self._workers, self.worker)
        pipe.scard(self._set())
        pipe.smembers(self._workers)
        _, _, count, workers = pipe.execute()
        if self._dirty or count != len(users):
            self._rebuild(users)
        pipe = self._redis.pipeline(transaction=False)
        others = sorted(set(workers) - {self.worker})
        for w in others:
            pipe.exists(self._alive(w))
        alive = pipe.execute() if others else []
        dead = [w for w, up in zip(others, alive, strict=True) if not up]
        return [w for w in dead if self._reap(w)]

    def _rebuild(self, users: list[int]) -> None:
        """Write this worker's set from its own sockets (after a Redis restart or outage)."""
        self._dirty = False
        self.rebuilds += 1
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(self._set())
        for start in range(0, len(users), 1000):
            pipe.sadd(self._set(), *users[start : start + 1000])
        pipe.execute()
        log.info("presence: %d user(s) of worker %s registered again", len(users), self.worker)

    def _reap(self, worker: str) -> bool:
        """Hand a dead worker's users to the offline announcer (one live worker does it)."""
        if not self._redis.set(f"{self._p}reap:{worker}", self.worker, nx=True, ex=self.ttl):
            return False
        users = self._redis.smembers(self._set(worker))
        pipe = self._redis.pipeline(transaction=True)
        if users:
            now = time.time()
            pipe.zadd(self._leaving, dict.fromkeys(users, now))
        pipe.delete(self._set(worker))
        pipe.srem(self._workers, worker)
        pipe.execute()
        log.warning("presence: worker %s is gone; %d of its user(s) leave", worker, len(users))
        return True

    def due_offline(self) -> list[int]:
        """Users whose grace ran out and who have no socket on any live worker (at most `batch`)."""
        gone = self._due(args=[self._p, time.time(), self.batch])
        return [int(uid) for uid in gone]

    def forget_worker(self) -> int:
        """At start-up: drop what this worker left in Redis before (a crash); returns how many users."""
        users = self._redis.smembers(self._set())
        pipe = self._redis.pipeline(transaction=True)
        if users:
            pipe.zadd(self._leaving, dict.fromkeys(users, time.time()))
        pipe.delete(self._set())
        pipe.execute()
        return len(users)

    def drain(self, within: float = 2.0) -> int:
        """On shutdown: every user of this worker leaves (after the grace, unless they reconnect)."""
        self._draining = True
        users = self._local.users()
        # Drained users reconnect to another worker within seconds (server:draining asks them to wait
        # DRAIN_RECONNECT_AFTER, then spreads them; `within` is both): they get that, 5 s for their
        # back-off and the connect, and at least 10 s, before "offline".
        due = time.time() + max(self.grace, within + 5, 10)
        pipe = self._redis.pipeline(transaction=True)
        if users:
            pipe.zadd(self._leaving, dict.fromkeys(map(str, users), due))
        pipe.delete(self._set(), self._alive())
        pipe.srem(self._workers, self.worker)
        pipe.execute()
        return len(users)


def make_presence(redis_url: str | None, worker: str, config: dict | None = None) -> Presence:
    """Memory presence for one process, Redis presence when REDIS_URL is set."""
    if not redis_url:
        return MemoryPresence()
    cfg = config or {}
    store = RedisPresence(
        redis_url,
        worker,
        ttl=cfg.get("PRESENCE_TTL", 30),
        grace=cfg.get("PRESENCE_GRACE", 3),
        batch=cfg.get("PRESENCE_BATCH", 500),
        namespace=cfg.get("REDIS_CHANNEL", "masterchat"),
    )
    return store


def register_worker(store: Presence) -> None:
    """When the server starts (never in a CLI command): clear what this worker left in Redis
    before (a crash) and announce it live, so other workers count its users from its first socket."""
    if not isinstance(store, RedisPresence):
        return
    try:
        store.forget_worker()
        store.heartbeat()
    except Exception as exc:
        log.warning("presence: Redis unavailable at start-up (%s); registering later", exc)
