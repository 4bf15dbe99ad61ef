"""Redis for several workers: bounded calls, a circuit breaker, and a message queue that survives outages.

Every client made here has socket timeouts (REDIS_TIMEOUT): a Redis that is down fails a call
at once, a hung one (SIGSTOP, a network black hole) fails it after REDIS_TIMEOUT instead of
stalling the caller for ever. After a failure, `breaker` makes callers skip Redis for a moment
and use their fallback (local presence, in-process rate limits) rather than pay the timeout on
every call. The pool is a blocking one: under eventlet or gevent a thousand greenlets can be
inside a Redis call at once (a connect storm) and each waits for a free connection instead of
failing with "Too many connections".

`QueueManager` is python-socketio's Redis message queue with three small changes (see its
docstring): emits are published off the request path and held while Redis is away, the
listener reconnects within about a second and reports it, and a room's sockets can be
disconnected on every worker.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import socketio

log = logging.getLogger("masterchat.redis")

POOL_SIZE = 64
POOL_TIMEOUT = 5
TIMEOUT = 1.0  # REDIS_TIMEOUT; set by configure()
CALL_ROOM = "mc:call"  # the room named by call_everywhere() messages (nobody is in it)


def configure(timeout: float) -> None:
    """Set the socket timeout of the clients made from now on (REDIS_TIMEOUT)."""
    global TIMEOUT
    TIMEOUT = timeout


def redis_client(url: str, retries: int = 1, **options: Any) -> Any:
    """A redis.Redis on a BlockingConnectionPool of POOL_SIZE connections, every call bounded by TIMEOUT."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options.setdefault("socket_timeout", TIMEOUT)
    options.setdefault("socket_connect_timeout", TIMEOUT)
    # One immediate retry on a refused or reset connection (a pooled connection that died with a
    # restarted Redis fails once, then reconnects); none on a timeout, where it would double the wait.
    options.setdefault("retry", Retry(NoBackoff(), retries, supported_errors=(redis.ConnectionError,)))
    pool = redis.BlockingConnectionPool.from_url(url, max_connections=POOL_SIZE, timeout=POOL_TIMEOUT, **options)
    return redis.Redis(connection_pool=pool)


class Breaker:
    """After a Redis failure, skip Redis for `cool_down` seconds (callers use their fallback).

    Then one caller at a time probes Redis (half-open) while the others keep to their fallback,
    so a hung Redis costs one REDIS_TIMEOUT per cool-down, not one per call.
    """

    def __init__(self, cool_down: float = 1.0) -> None:
        self.cool_down = cool_down
        self._open_until = 0.0
        self._probing = False
        self.failures = 0

    def available(self) -> bool:
        """Whether this caller should try Redis now."""
        if not self._open_until:
            return True
        if time.monotonic() < self._open_until or self._probing:
            return False
        self._probing = True
        return True

    def failed(self, exc: BaseException | None = None) -> None:
        """Record a failed call: skip Redis for a while."""
        self.failures += 1
        if not self._open_until:
            log.warning("Redis unavailable (%s); using local fallbacks", exc)
        self._probing = False
        self._open_until = time.monotonic() + self.cool_down

    def ok(self) -> None:
        """Record a successful call."""
        if self._open_until:
            log.warning("Redis is back")
        self._probing = False
        self._open_until = 0.0


breaker = Breaker()


def guarded(call: Callable[[], Any], fallback: Callable[[], Any]) -> Any:
    """call() unless the breaker is open or Redis fails; then fallback()."""
    if not breaker.available():
        return fallback()
    try:
        result = call()
    except Exception as exc:  # redis.RedisError, OSError, TimeoutError
        breaker.failed(exc)
        return fallback()
    breaker.ok()
    return result


class QueueManager(socketio.RedisManager):
    """python-socketio's RedisManager, changed where Redis faults hurt:

    - `_publish` queues the message for a publisher task instead of writing to Redis in the
      caller (a `message:send` ack is no longer held by a hung Redis). The task publishes in
      pipelined batches; while Redis is away it keeps up to `buffer` messages for up to
      `max_age` seconds and publishes them when it is back. Messages it had to drop are
      reported to `on_lost(rooms)`, called once Redis is back (the app tells those rooms to resync).
    - The listener reconnects every `retry` seconds (the stock one backs off up to 60 s), pings
      Redis when the channel is quiet (a paused Redis is noticed in about 2 * REDIS_TIMEOUT), and
      calls `on_resubscribed()` after every reconnect: messages published meanwhile never reached
      this worker's sockets, so the app tells them to resync.
    - `disconnect_room(room)` disconnects the room's sockets on every worker (logout), riding on
      the queue's `close_room` message with a flag the stock handler ignores.
    - `call_everywhere(name, data)` runs `on_call(name, data)` on every worker (this one at once,
      the others when the message arrives), riding on `close_room` the same way: e.g. a block
      takes the blocked person's sockets out of the blocker's `post:<id>` rooms on every worker.
    """

    def __init__(
        self,
        url: str,
        channel: str = "socketio",
        retry: float = 1.0,
        buffer: int = 20_000,
        max_age: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, channel=channel, **kwargs)
        self.retry = retry
        self.buffer = buffer
        self.max_age = max_age
        self.on_lost: Callable[[list[str]], None] | None = None
        self.on_resubscribed: Callable[[], None] | None = None
        self.on_call: Callable[[str, Any], None] | None = None
        self._outbox: deque[tuple[float, dict]] = deque()
        self._wake = threading.Event()
        self._pub: Any = None  # the publisher's client (the listener has its own connection)
        self._inflight = 0
        self._publisher_started = False
        self._lost_rooms: set[str] = set()
        self._lost_all = False
        self.published = 0
        self.dropped = 0
        self.reconnects = 0

    # --- connection -----------------------------------------------------------------------------
    def _redis_connect(self) -> None:
        # No silent reconnect inside redis-py: a lost subscription must surface here, where it is reported.
        self.redis = redis_client(self.redis_url, retries=0, **self.redis_options)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    def initialize(self) -> None:
        """Start the listener (python-socketio) and the publisher task."""
        super().initialize()
        self._start_publisher()

    def _start_publisher(self) -> None:
        # python-socketio initializes the manager at the first socket connect; an emit from a REST
        # request can come first (a freshly restarted worker), so the first publish starts it too.
        if not self._publisher_started and self.server is not None:
            self._publisher_started = True
            self.server.start_background_task(self._publisher)

    # --- publishing -----------------------------------------------------------------------------
    def _publish(self, data: dict) -> None:
        if not self._publisher_started:
            self._start_publisher()
        self._outbox.append((time.monotonic(), data))
        if len(self._outbox) > self.buffer:
            self._drop(self._outbox.popleft()[1])
        self._wake.set()

    def pending(self) -> int:
        """Messages not yet published."""
        return len(self._outbox) + self._inflight

    def flush(self, timeout: float) -> bool:
        """Wait until every queued message is published (drain); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.pending() and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.05)
        return not self.pending()

    def _drop(self, message: dict) -> None:
        self.dropped += 1
        if message.get("method") != "emit":
            return
        room = message.get("room")
        if room is None:
            self._lost_all = True
        elif isinstance(room, str):
            self._lost_rooms.add(room)
        else:
            self._lost_rooms.update(room)

    def _publisher(self) -> None:
        failing = False
        while True:
            self._wake.wait(1.0)
            self._wake.clear()
            while self._outbox:
                # Taken out while in flight (an overflowing _publish drops from the left meanwhile).
                batch = [self._outbox.popleft() for _ in range(min(len(self._outbox), 500))]
                self._inflight = len(batch)
                try:
                    if self._pub is None:
                        self._pub = redis_client(self.redis_url, **self.redis_options)
                    pipe = self._pub.pipeline(transaction=False)
                    for _at, message in batch:
                        pipe.publish(self.channel, self.json.dumps(message))
                    pipe.execute()
                except Exception as exc:
                    self._outbox.extendleft(reversed(batch))
                    self._inflight = 0
                    if not failing:
                        log.warning("publish to Redis failed (%s); holding messages until it is back", exc)
                    failing = True
                    cutoff = time.monotonic() - self.max_age
                    while self._outbox and self._outbox[0][0] < cutoff:
                        self._drop(self._outbox.popleft()[1])
                    time.sleep(min(self.retry, 0.5))
                    continue
                self._inflight = 0
                self.published += len(batch)
                if failing:
                    log.warning("publishing to Redis again (%d dropped so far)", self.dropped)
                    failing = False
                if self._lost_rooms or self._lost_all:
                    self._report_lost()

    def _report_lost(self) -> None:
        rooms = sorted(self._lost_rooms)
        everyone, self._lost_all = self._lost_all, False
        self._lost_rooms.clear()
        if self.on_lost is not None:
            try:
                self.on_lost([] if everyone else rooms)
            except Exception:
                log.exception("telling clients to resync failed")

    # --- listening ------------------------------------------------------------------------------
    def _redis_listen_with_retries(self):  # pragma: no cover (runs in the server's background task)
        failed = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                if failed:
                    self.reconnects += 1
                    log.warning("message queue listener reconnected")
                    if self.on_resubscribed is not None:
                        self.server.start_background_task(self.on_resubscribed)
                failed = False
                quiet_since = time.monotonic()
                ping_sent = None
                while True:
                    message = self.pubsub.get_message(timeout=TIMEOUT)
                    now = time.monotonic()
                    if message is not None:
                        quiet_since, ping_sent = now, None
                        if message.get("type") == "pong" or message.get("data") in (b"mc-alive", "mc-alive"):
                            continue
                        yield message
                    elif ping_sent is not None and now - ping_sent > 2 * TIMEOUT:
                        raise TimeoutError("Redis did not answer the listener's ping")
                    elif ping_sent is None and now - quiet_since > 2 * TIMEOUT:
                        self.pubsub.ping("mc-alive")
                        ping_sent = now
            except Exception as exc:
                if not failed:
                    log.error("message queue listener lost Redis (%s); retrying every %.1f s", exc, self.retry)
                failed = True
                with contextlib.suppress(Exception):  # the connection is dead anyway
                    self.pubsub.close()
                time.sleep(self.retry)

    # --- logout ---------------------------------------------------------------------------------
    def disconnect_room(self, room: str, namespace: str = "/") -> None:
        """Disconnect every socket in `room`, on this worker and (through the queue) on the others."""
        message = {
            "method": "close_room",
            "room": room,
            "namespace": namespace,
            "host_id": self.host_id,
            "mc_disconnect": True,
        }
        self._handle_close_room(message)
        self._publish(message)

    # --- calls on every worker ------------------------------------------------------------------
    def call_everywhere(self, name: str, data: Any) -> None:
        """Run `on_call(name, data)` on this worker now and on the others through the queue."""
        # The room is one no socket joins: a worker running the stock handler closes nothing.
        message = {"method": "close_room", "room": CALL_ROOM, "namespace": "/", "host_id": self.host_id}
        message.update(mc_call=name, mc_data=data)
        self._handle_close_room(message)
        self._publish(message)

    def _handle_close_room(self, message: dict) -> None:
        if message.get("mc_call"):
            if self.on_call is not None:
                try:
                    self.on_call(message["mc_call"], message.get("mc_data"))
                except Exception:
                    log.exception("call %s on this worker failed", message["mc_call"])
            return None
        if not message.get("mc_disconnect"):
            return super()._handle_close_room(message)
        namespace = message.get("namespace") or "/"
        for sid, _eio_sid in list(self.get_participants(namespace, message.get("room"))):
            self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
        return None


def local_sids(server: Any, rooms: Iterable[str], namespace: str = "/") -> set[str]:
    """The sockets of this worker in any of these rooms."""
    sids: set[str] = set()
    for room in rooms:
        sids.update(sid for sid, _ in server.manager.get_participants(namespace, room))
    return sids
