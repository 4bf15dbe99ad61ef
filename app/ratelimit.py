"""Rate limits behind one interface: in memory for one process, Redis when REDIS_URL is set.

Fixed windows for abuse limits on accounts (login, signup, reset) and a token bucket
for message sending. Both answer (allowed, retry_after_seconds).
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

from flask import current_app

from app.errors import RateLimited


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window: int) -> tuple[bool, int]:
        """Count one event for key; allowed while at most `limit` events fall in `window` s."""

    def take(self, key: str, rate: float, burst: int) -> tuple[bool, int]:
        """Take one token from key's bucket (refills `rate`/s, holds `burst`)."""

    def peek(self, key: str, window: int) -> int:
        """How many events `hit` counted for key in the current window (nothing counted)."""

    def mark(self, key: str, ttl: int) -> None:
        """Remember key for `ttl` seconds (e.g. an address the account logged in from)."""

    def marked(self, key: str) -> bool:
        """Whether key was marked and has not expired."""

    def reset(self) -> None:
        """Forget every counter (tests)."""


class MemoryRateLimiter:
    """Per-process limiter; right for one worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}
        self._buckets: dict[str, tuple[float, float]] = {}
        self._marks: dict[str, float] = {}

    def peek(self, key: str, window: int) -> int:
        slot = int(time.time() // window)
        with self._lock:
            current_slot, count = self._windows.get(key, (slot, 0))
        return count if current_slot == slot else 0

    def mark(self, key: str, ttl: int) -> None:
        now = time.time()
        with self._lock:
            if len(self._marks) > 100_000:
                self._marks = {k: v for k, v in self._marks.items() if v > now}
            self._marks[key] = now + ttl

    def marked(self, key: str) -> bool:
        return self._marks.get(key, 0.0) > time.time()

    def hit(self, key: str, limit: int, window: int) -> tuple[bool, int]:
        now = time.time()
        slot = int(now // window)
        with self._lock:
            if len(self._windows) > 100_000:
                self._windows = {k: v for k, v in self._windows.items() if v[0] == slot}
            current_slot, count = self._windows.get(key, (slot, 0))
            if current_slot != slot:
                count = 0
            count += 1
            self._windows[key] = (slot, count)
        if count > limit:
            return False, max(1, math.ceil((slot + 1) * window - now))
        return True, 0

    def take(self, key: str, rate: float, burst: int) -> tuple[bool, int]:
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - stamp) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return True, 0
            self._buckets[key] = (tokens, now)
        return False, max(1, math.ceil((1.0 - tokens) / rate))

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._buckets.clear()
            self._marks.clear()


class RedisRateLimiter:
    """Shared limiter for several workers (INCR + EXPIRE per window; bucket in a Lua script)."""

    _BUCKET = """
local tokens = tonumber(redis.call('HGET', KEYS[1], 't') or ARGV[2])
local stamp = tonumber(redis.call('HGET', KEYS[1], 's') or ARGV[3])
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
tokens = math.min(burst, tokens + (now - stamp) * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1 ok = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return {ok, tostring(tokens)}
"""

    def __init__(self, url: str) -> None:
        from app.redis_client import redis_client

        self._redis = redis_client(url)
        self._bucket = self._redis.register_script(self._BUCKET)

    def hit(self, key: str, limit: int, window: int) -> tuple[bool, int]:
        now = time.time()
        slot = int(now // window)
        rkey = f"mc:rl:{key}:{slot}"
        pipe = self._redis.pipeline()
        pipe.incr(rkey)
        pipe.expire(rkey, window + 1)
        count = pipe.execute()[0]
        if count > limit:
            return False, max(1, math.ceil((slot + 1) * window - now))
        return True, 0

    def peek(self, key: str, window: int) -> int:
        value = self._redis.get(f"mc:rl:{key}:{int(time.time() // window)}")
        return int(value or 0)

    def mark(self, key: str, ttl: int) -> None:
        self._redis.set(f"mc:mk:{key}", 1, ex=ttl)

    def marked(self, key: str) -> bool:
        return bool(self._redis.exists(f"mc:mk:{key}"))

    def take(self, key: str, rate: float, burst: int) -> tuple[bool, int]:
        ok, tokens = self._bucket(keys=[f"mc:tb:{key}"], args=[rate, burst, time.time()])
        if ok:
            return True, 0
        return False, max(1, math.ceil((1.0 - float(tokens)) / rate))

    def reset(self) -> None:
        for key in self._redis.scan_iter("mc:rl:*"):
            self._redis.delete(key)
        for pattern in ("mc:tb:*", "mc:mk:*"):
            for key in self._redis.scan_iter(pattern):
                self._redis.delete(key)


def limiter() -> RateLimiter:
    """The app's limiter."""
    return current_app.extensions["masterchat.ratelimit"]


def enforce(key: str, limit: int, window: int, what: str) -> None:
    """Raise RateLimited when key passed `limit` events in `window` seconds (unless RATE_LIMITS=off)."""
    if not current_app.config["RATE_LIMITS"]:
        return
    allowed, retry_after = limiter().hit(key, limit, window)
    if not allowed:
        raise RateLimited(f"Too many {what}; try again in {retry_after} s.", retry_after)


def make_limiter(redis_url: str | None) -> RateLimiter:
    """Memory limiter, or the Redis one when a URL is given."""
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
