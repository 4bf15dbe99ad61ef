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
2. Young collections stay small: GC_THRESHOLD0 (default 5,000 net container allocations instead
   of 700) bounds what each collection walks: what was allocated since the last one.
3. Survivors are frozen as soon as they have survived: right after every collection (of generation
   GC_FREEZE_GENERATION, default 0, or older; from the `gc.callbacks` hook; gc.freeze() splices
   lists, O(1)), what is still alive, such as an open socket's session, greenlet and queues, leaves
   the collector's way. So the older generations never grow and no collection walks the sockets
   that stay open. With survivors frozen once a minute and a young threshold of 50,000, generation
   1 held up to 1.6 million objects at 10,000 users and its collections paused the process for up
   to 1.2 s; frozen at once, the longest young pause measured was 49 ms (docs/PERFORMANCE.md,
   "Garbage collection at 10,000 users"). What is in flight at a collection (a message being sent)
   is frozen too and freed by reference counting when done; only if it is part of a reference cycle
   does it wait for step 4, which is why tests/test_gc_tuning.py keeps socket events and closed
   connections free of cycles (app/server_cycles.py). A background task also freezes every
   GC_FREEZE_INTERVAL seconds (default 10), for a quiet process whose collections rarely run.
3b. Young collections are also run every GC_YOUNG_INTERVAL seconds (default 0.1), not only when the
   collector's own count says so. That count is allocations minus deallocations, and the death of
   *any* container lowers it, frozen ones included. Under traffic, much of what dies was frozen while
   in flight (a packet waiting in a socket's queue, a message in a commit batch), so the count stayed
   near zero while the young generation filled: 146,279 objects after 10 s at 10,000 users and 600
   msg/s, and the collection that finally came, or the timed freeze's, paused the process 53-141 ms
   (gevent) for nothing freed (docs/PERFORMANCE.md, "The young generation the count missed").
   Collected every 100 ms it holds a few thousand objects, a millisecond's walk.
4. Frozen objects are still freed by reference counting as usual; only garbage *cycles* among them
   wait for a full collection: every GC_FULL_INTERVAL seconds (default 21,600, six hours) everything
   is unfrozen, collected and frozen again. That is the one long pause left (it walks every live
   object: about 0.5 s with 10,000 sockets open), and what it reclaims is logged, so a growing figure
   shows a new source of cyclic garbage (after 10,000 users came and went: 2,087 objects).

The collector is never switched off: set GC_TUNING=off to get CPython's defaults back.
Every collection is timed through `gc.callbacks`; a pause over GC_WARN_MS is logged, and
`stats()` gives counts and the longest pause per generation.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("masterchat.gc")

# Re-entrant: a collection can start inside `with _lock:` (stats() allocates while copying) and its
# callback, _on_gc, takes the lock in the same thread. A plain Lock deadlocked there: the process hung
# for good (found by the test suite with a young threshold of 1,000; /metrics/gc could do it too).
_lock = threading.RLock()
_stats: dict[str, Any] = {
    "collections": [0, 0, 0],
    "pause_ms_total": [0.0, 0.0, 0.0],
    "pause_ms_max": [0.0, 0.0, 0.0],
    "freezes": 0,
    "full_collections": 0,
    "last_frozen": 0,
}
_started: list[tuple[float, float]] = []
_warn_ms = 50.0
_freeze_on_survival = False
_freeze_generation = 0  # collections of this generation and older freeze what survived them
# (generation, seconds) of each collection, for app/metrics.py: a deque's append takes no lock that
# the interrupted code could hold (the callback runs wherever an allocation triggered the collector).
_pauses: deque[tuple[int, float]] = deque(maxlen=10_000)


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    """gc.callbacks hook: time each collection and remember the longest per generation."""
    if phase == "start":
        _started.append((time.perf_counter(), time.thread_time()))
        return
    if not _started:
        return
    wall, cpu = _started.pop()
    ms = (time.perf_counter() - wall) * 1000.0
    cpu_ms = (time.thread_time() - cpu) * 1000.0  # the collector's own work; wall time adds preemption
    gen = info.get("generation", 0)
    _pauses.append((gen, ms / 1000.0))
    with _lock:
        _stats["collections"][gen] += 1
        _stats["pause_ms_total"][gen] += ms
        if ms > _stats["pause_ms_max"][gen]:
            _stats["pause_ms_max"][gen] = ms
    if _freeze_on_survival and gen >= _freeze_generation:
        gc.freeze()  # survivors of a generation-0 and a generation-1 collection leave the collector's way
    if ms > _warn_ms:
        log.warning(
            "gc: generation %d collection paused the process %.0f ms (%.0f ms CPU, %d freed)",
            gen,
            ms,
            cpu_ms,
            info["collected"],
        )


def stats(frozen: bool = True) -> dict[str, Any]:
    """Collections, total and longest pause per generation, freezes, and (`frozen`) the frozen object
    count, which walks the whole frozen list: on demand only, never on a timer."""
    with _lock:
        out = {key: list(value) if isinstance(value, list) else value for key, value in _stats.items()}
    if frozen:
        out["frozen"] = gc.get_freeze_count()
    out["threshold"] = gc.get_threshold()
    return out


def census(types: int = 0, everything: bool = False) -> dict[str, Any]:
    """What the collector holds now: objects per generation (what the next collections walk), the
    frozen count, and with `types` the most common types among the unfrozen objects (`everything`:
    among all tracked objects, the frozen ones too: what a process still holds after users left).

    Costs one pass over the unfrozen objects (small after a freeze) and one over the frozen list
    (a pointer walk, a few milliseconds per million objects); `everything` lists every tracked
    object once (about a second per million: for operators chasing memory, never on a timer).
    """
    if types and everything:
        with _lock:  # unfreeze and freeze splice lists: O(1); nothing is collected in between
            thawed = gc.get_freeze_count() > 0
            gc.disable()
            try:
                if thawed:
                    gc.unfreeze()
                try:
                    everyone = gc.get_objects()
                finally:
                    if thawed:
                        gc.freeze()
            finally:
                gc.enable()
        from collections import Counter

        counts = Counter(type(obj).__qualname__ for obj in everyone)
        del everyone
        out = census()
        out["types_everything"] = dict(counts.most_common(types))
        return out
    generations = [gc.get_objects(generation) for generation in range(3)]
    out: dict[str, Any] = {
        "generations": [len(objects) for objects in generations],
        "walked": sum(len(objects) for objects in generations),
        "frozen": gc.get_freeze_count(),
        "freeze_on_survival": _freeze_on_survival,
        "freeze_generation": _freeze_generation,
    }
    out["tracked"] = out["walked"] + out["frozen"]
    # Every block Python's allocator holds, tracked by the collector or not (strings, ints, buffers):
    # flat while RSS grows means the growth is not Python objects (C libraries' caches, fragmentation).
    out["allocated_blocks"] = sys.getallocatedblocks()
    if types:
        from collections import Counter

        counts = Counter(type(obj).__qualname__ for objects in generations for obj in objects)
        out["types"] = dict(counts.most_common(types))
    del generations
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
    """One log line for operators: collections and longest pause per generation, what the last timed
    freeze froze (cheap: the frozen total would walk the whole frozen list)."""
    s = stats(frozen=False)
    gens = ", ".join(f"gen{g} {s['collections'][g]}x max {s['pause_ms_max'][g]:.0f} ms" for g in range(3))
    return f"gc: {gens}; {s['freezes']} freezes ({s['last_frozen']} frozen by the last), {s['full_collections']} full"


def measure(warn_ms: float = 50.0) -> None:
    """Time every collection (idempotent); pauses over warn_ms are logged."""
    global _warn_ms
    _warn_ms = warn_ms
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def freeze_survivors() -> int:
    """Collect the young generations, then move every surviving object out of the collector's way;
    returns how many it froze. (Not gc.get_freeze_count(): that walks the whole frozen list, 1.8
    million objects at 10,000 users, a stall of its own every round.)"""
    young = sum(len(gc.get_objects(generation)) for generation in range(3))
    moved = young - gc.collect(1)  # the callback may freeze already (GC_FREEZE_ON_SURVIVAL)
    gc.freeze()
    with _lock:
        _stats["freezes"] += 1
        _stats["last_frozen"] = moved
    return moved


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
    global _freeze_on_survival, _freeze_generation
    gc.collect()
    gc.freeze()
    _, _, threshold2 = gc.get_threshold()
    gc.set_threshold(int(config.get("GC_THRESHOLD0", 5_000)), int(config.get("GC_THRESHOLD1", 10)), threshold2)
    _freeze_on_survival = bool(config.get("GC_FREEZE_ON_SURVIVAL", True))
    _freeze_generation = int(config.get("GC_FREEZE_GENERATION", 0))
    freeze_every = float(config.get("GC_FREEZE_INTERVAL", 10))
    full_every = float(config.get("GC_FULL_INTERVAL", 21_600))
    if spawn is not None and (freeze_every > 0 or full_every > 0):
        spawn(_maintain, freeze_every, full_every)
    young_every = float(config.get("GC_YOUNG_INTERVAL", 0.1))
    if spawn is not None and young_every > 0:
        spawn(_collect_young, young_every)
    log.info("gc: tuned (threshold %s, %d objects frozen at start-up)", gc.get_threshold(), gc.get_freeze_count())
    return True


def _server_sleep() -> Callable[[float], None]:
    """The async server's sleep (a background task must yield to the event loop, not block it)."""
    from app.extensions import socketio

    return socketio.sleep


def _collect_young(every: float, sleep: Callable[[float], None] | None = None, rounds: int = -1) -> None:
    """The young-collection task: a generation-0 collection every `every` seconds (step 3b above);
    its survivors are frozen by the callback. `rounds` < 0: forever."""
    sleep = sleep or _server_sleep()
    while rounds != 0:
        rounds -= 1
        sleep(every)
        try:
            gc.collect(0)
        except Exception:  # the collector's upkeep must never take the server down
            log.exception("gc young collection failed")


def _maintain(freeze_every: float, full_every: float, sleep: Callable[[float], None] | None = None) -> None:
    """The periodic task: freeze survivors every freeze_every seconds (0: never), run the full
    collection every full_every seconds (0: never)."""
    sleep = sleep or _server_sleep()
    tick = freeze_every if freeze_every > 0 else full_every
    last_full = time.monotonic()
    while True:
        sleep(tick)
        try:
            if full_every > 0 and time.monotonic() - last_full >= full_every:
                full_collection()
                last_full = time.monotonic()
            elif freeze_every > 0:
                freeze_survivors()
            log.info("%s", summary())
        except Exception:  # the collector's upkeep must never take the server down
            log.exception("gc maintenance failed")
