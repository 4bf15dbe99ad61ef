"""Prometheus metrics: what operators graph (deploy/grafana-dashboard.json), served at /metrics.

One worker: the client library's default registry. Several workers on one machine (deploy/cluster.py,
systemd units) set PROMETHEUS_MULTIPROC_DIR to a folder they share (emptied before they start): each
process then writes its values to memory-mapped files there and /metrics, answered by any worker,
adds them up, so a scrape through nginx sees the whole cluster. That variable must be set before
this module is imported (the library picks its storage at import).

The hot paths pay one counter increment each: a message stored, a send's duration into a histogram,
deliveries counted per emit (labelled by event name, a bounded set), never a label per user or chat.
GC pauses are timed by app/gc_tuning.py's callback into a deque and moved into a histogram here by
`flush_gc()` (never from inside the collector, where taking the library's lock could deadlock).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None

SOCKETS = Gauge("masterchat_sockets_connected", "Socket.IO connections open now", multiprocess_mode="livesum")
MESSAGES = Counter("masterchat_messages_stored", "Messages stored (socket and REST; replays not counted)")
SEND_SECONDS = Histogram(
    "masterchat_message_send_seconds",
    "message:send from the event's arrival to its ack (stored and committed)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
DELIVERIES = Counter(
    "masterchat_deliveries", "Events emitted to users (one per user addressed, every socket of theirs)", ["event"]
)
HTTP = Counter("masterchat_http_requests", "HTTP requests answered, by status", ["status"])
HTTP_SECONDS = Histogram(
    "masterchat_http_request_seconds",
    "HTTP request duration",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
DB_IN_USE = Gauge(
    "masterchat_db_connections_in_use", "Database connections checked out of the pools", multiprocess_mode="livesum"
)
DB_POOL = Gauge(
    "masterchat_db_pool_size", "Database connections each pool keeps (plus overflow)", multiprocess_mode="livesum"
)
GROUPS = Counter(
    "masterchat_group_commits", "Group commits: transactions shared by concurrent writes, by kind", ["kind"]
)
GROUP_JOBS = Counter(
    "masterchat_group_commit_jobs",
    "Writes committed in group commits, by kind (jobs / groups = mean group size)",
    ["kind"],
)
GC_PAUSE = Histogram(
    "masterchat_gc_pause_seconds",
    "Pauses of Python's cyclic garbage collector, by generation",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
_GC_GENERATIONS = [GC_PAUSE.labels(generation=str(g)) for g in range(3)]
_DELIVERY_CHILDREN: dict[str, Any] = {}


def socket_connected() -> None:
    """A socket was accepted (app/sockets/connection.py)."""
    SOCKETS.inc()


def socket_disconnected() -> None:
    """An accepted socket closed."""
    SOCKETS.dec()


def message_sent(started: float, created: bool) -> None:
    """A message:send was answered: its duration since `started` (perf_counter), and one more message stored."""
    SEND_SECONDS.observe(time.perf_counter() - started)
    if created:
        MESSAGES.inc()


def message_stored() -> None:
    """A message was stored by POST /api/messages."""
    MESSAGES.inc()


def delivered(event: str, users: int) -> None:
    """An event went to `users` users' rooms (app/events)."""
    child = _DELIVERY_CHILDREN.get(event)
    if child is None:
        child = _DELIVERY_CHILDREN[event] = DELIVERIES.labels(event=event)
    child.inc(users)


def group_committed(kind: str, jobs: int) -> None:
    """A group commit of `jobs` writes of one kind ended (app/group_commit.py)."""
    GROUPS.labels(kind=kind).inc()
    GROUP_JOBS.labels(kind=kind).inc(jobs)


def http_request(status: int, seconds: float) -> None:
    """One HTTP request answered (app/logs.py's after-request hook)."""
    HTTP.labels(status=str(status)).inc()
    HTTP_SECONDS.observe(seconds)


def instrument_engine(engine: Any, pool_size: int) -> None:
    """Count the engine's checked-out connections (pool events), and the pool's configured size."""
    from sqlalchemy import event

    if getattr(engine, "_masterchat_metrics", False):
        return
    engine._masterchat_metrics = True
    DB_POOL.inc(pool_size)

    @event.listens_for(engine, "checkout")
    def _checkout(*_args: Any) -> None:
        DB_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _checkin(*_args: Any) -> None:
        DB_IN_USE.dec()


def flush_gc() -> None:
    """Move the pauses gc_tuning timed since the last call into the histogram."""
    from app.gc_tuning import drain_pauses

    for generation, seconds in drain_pauses():
        _GC_GENERATIONS[generation].observe(seconds)


def gc_flusher(every: float = 5.0) -> None:
    """Background task (wsgi.py): flush_gc() every few seconds, so every worker's pauses reach the files."""
    from app.extensions import socketio

    while True:
        socketio.sleep(every)
        with contextlib.suppress(Exception):
            flush_gc()


_PID_FILE = re.compile(r"_(\d+)\.db$")


def forget_dead_workers() -> int:
    """Drop the live gauges (sockets, connections) of worker processes that no longer exist.

    A crashed or restarted worker leaves its files behind; without this its sockets would be
    counted forever. Called once when each worker starts; returns how many processes were forgotten.
    """
    if not MULTIPROC_DIR:
        return 0
    from prometheus_client import multiprocess

    dead = set()
    for path in Path(MULTIPROC_DIR).glob("gauge_live*_*.db"):
        match = _PID_FILE.search(path.name)
        if match is None:
            continue
        pid = int(match.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            dead.add(pid)
        except PermissionError:
            pass
    for pid in dead:
        multiprocess.mark_process_dead(pid, MULTIPROC_DIR)
    return len(dead)


def render() -> tuple[bytes, str]:
    """The Prometheus text exposition of every metric (all workers' when multiprocess) and its type."""
    flush_gc()
    if MULTIPROC_DIR:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, MULTIPROC_DIR)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
