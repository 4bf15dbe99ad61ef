"""Python's cyclic garbage collector, tuned for a process that holds thousands of sockets.

Why: every open socket keeps a few hundred long-lived container objects (greenlet, socket,
Engine.IO and Socket.IO session state, queues). CPython 3.11's collector is generational and
not incremental: a full (generation 2) collection walks every tracked object and stops the
whole process while it does. At 10,000 connections that is over a million objects and a stall
of about a second, which by itself breaks "delivered within a second". Full collections come
when objects promoted since the last one exceed a quarter of the long-lived ones, and objects
get promoted simply by being alive (in flight) when a young collection runs; so the more often
young collections run under traffic, the more often the full stall comes.

What we do (docs/PERFORMANCE.md, "Garbage collection"):

1. After start-up (imports, app, routes) `gc.freeze()` moves every object into the permanent
   generation: a quarter-million objects that can never become garbage are never walked again.
2. A larger first threshold (GC_THRESHOLD0, default 50,000 allocations instead of 700): young
   collections run ~70 times less often, so far fewer in-flight objects are promoted, and
   each young collection still stays short (it walks only young objects).
3. Every GC_FREEZE_INTERVAL seconds (default 60) a background task collects the young
   generations (reclaiming young cycles) and freezes what survived: sockets that stay open
   stop costing anything in later collections. Frozen objects are still freed by reference
   counting as usual; only garbage *cycles* among them wait for step 4.
4. Every GC_FULL_INTERVAL seconds (default 3600) the frozen objects are unfrozen and one
   full collection reclaims cycles left by closed sockets, then everything alive is frozen
   again. That is the one long pause left, once an hour instead of every minute or so.

The collector is never switched off: set GC_TUNING=off to get CPython's defaults back.
Every collection is timed through `gc.callbacks`; a pause over GC_WARN_MS is logged, and
`stats()` gives counts and the longest pause per generation.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("masterchat.gc")

_lock = threading.Lock()
_stats: dict[str, Any] = {
    "collections": [0, 0, 0],
    "pause_ms_total": [0.0, 0.0, 0.0],
    "pause_ms_max": [0.0, 0.0, 0.0],
    "freezes": 0,
    "full_collections": 0,
}
_started: list[float] = []
_warn_ms = 50.0
# (generation, seconds) of each collection, for app/metrics.py: a deque's append takes no lock that
# the interrupted code could hold (the callback runs wherever an allocation triggered the collector).
_pauses: deque[tuple[int, float]] = deque(maxlen=10_000)


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    """gc.callbacks hook: time each collection and remember the longest per generation."""
    if phase == "start":
        _started.append(time.perf_counter())
        return
    if not _started:
        return
    ms = (time.perf_counter() - _started.pop()) * 1000.0
    gen = info.get("generation", 0)
    _pauses.append((gen, ms / 1000.0))
    with _lock:
        _stats["collections"][gen] += 1
        _stats["pause_ms_total"][gen] += ms
        if ms > _stats["pause_ms_max"][gen]:
            _stats["pause_ms_max"][gen] = ms
    if ms > _warn_ms:
        log.warning("gc: generation %d collection paused the process %.0f ms (%d freed)", gen, ms, info["collected"])


def stats() -> dict[str, Any]:
    """Collections, total and longest pause per generation, freezes, and the frozen object count."""
    with _lock:
        out = {key: list(value) if isinstance(value, list) else value for key, value in _stats.items()}
    out["frozen"] = gc.get_freeze_count()
    out["threshold"] = gc.get_threshold()
    return out


def drain_pauses() -> list[tuple[int, float]]:
    """The (generation, seconds) pauses timed since the last call (app/metrics.py exports them)."""
    out = []
    while True:
        try:
            out.append(_pauses.popleft())
        except IndexError:
            return out


def summary() -> str:
    """One log line for operators: collections and longest pause per generation, frozen objects."""
    s = stats()
    gens = ", ".join(f"gen{g} {s['collections'][g]}x max {s['pause_ms_max'][g]:.0f} ms" for g in range(3))
    return f"gc: {gens}; {s['freezes']} freezes, {s['full_collections']} full, {s['frozen']} frozen"


def measure(warn_ms: float = 50.0) -> None:
    """Time every collection (idempotent); pauses over warn_ms are logged."""
    global _warn_ms
    _warn_ms = warn_ms
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def freeze_survivors() -> int:
    """Collect the young generations, then move every surviving object out of the collector's way."""
    gc.collect(1)
    gc.freeze()
    with _lock:
        _stats["freezes"] += 1
    return gc.get_freeze_count()


def full_collection() -> int:
    """Unfreeze, collect everything (reclaims cycles among closed sockets), freeze the survivors."""
    gc.unfreeze()
    started = time.perf_counter()
    found = gc.collect()
    gc.freeze()
    with _lock:
        _stats["full_collections"] += 1
    log.info("gc: scheduled full collection: %d unreachable, %.0f ms", found, (time.perf_counter() - started) * 1000)
    return found


def tune(config: dict[str, Any], spawn: Callable[..., Any] | None = None) -> bool:
    """Apply the tuning described above from GC_* settings; spawn runs the periodic task (e.g.
    socketio.start_background_task). Returns False (CPython's defaults kept) when GC_TUNING is off."""
    measure(float(config.get("GC_WARN_MS", 50)))
    if not config.get("GC_TUNING", True):
        return False
    gc.collect()
    gc.freeze()
    _, _, threshold2 = gc.get_threshold()
    gc.set_threshold(int(config.get("GC_THRESHOLD0", 50_000)), int(config.get("GC_THRESHOLD1", 10)), threshold2)
    freeze_every = float(config.get("GC_FREEZE_INTERVAL", 60))
    full_every = float(config.get("GC_FULL_INTERVAL", 3600))
    if spawn is not None and freeze_every > 0:
        spawn(_maintain, freeze_every, full_every)
    log.info("gc: tuned (threshold %s, %d objects frozen at start-up)", gc.get_threshold(), gc.get_freeze_count())
    return True


def _maintain(freeze_every: float, full_every: float, sleep: Callable[[float], None] | None = None) -> None:
    """The periodic task: freeze survivors often, run the full collection rarely."""
    if sleep is None:
        from app.extensions import socketio

        sleep = socketio.sleep
    last_full = time.monotonic()
    while True:
        sleep(freeze_every)
        try:
            if full_every > 0 and time.monotonic() - last_full >= full_every:
                full_collection()
                last_full = time.monotonic()
            else:
                freeze_survivors()
            log.info("%s", summary())
        except Exception:  # the collector's upkeep must never take the server down
            log.exception("gc maintenance failed")
