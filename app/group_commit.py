"""Group commit: concurrent writes of one kind, in one process, share one transaction.

Under load, each write's own BEGIN/COMMIT and the session plumbing around it were the largest part
of the server's time: for message:send (docs/PERFORMANCE.md, "Profiles and fixes") and for a storm of
likes on one post ("Like storm"), where on PostgreSQL every commit also waits for its WAL flush while
it holds the post row's lock. The first write to arrive leads: it yields once, so that the handlers
already scheduled can queue theirs, then hands every queued job to the kind's `commit_group` (one
transaction, each job's own result or error) and wakes the others. Nobody is answered before the
transaction holding their write commits. The next waiting job, if any, leads the next group. Locks
and events are green under eventlet and gevent (monkey-patched), real otherwise.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from app import metrics
from app.concurrency import Signal, new_signal
from app.db import end_read_transaction


@dataclass(slots=True, kw_only=True)
class GroupJob:
    """What every job of a group commit carries: its result or error, and the event its caller waits on."""

    result: Any = None
    error: BaseException | None = None
    done: Signal = field(default_factory=new_signal)
    lead: bool = False


J = TypeVar("J", bound=GroupJob)


class GroupCommit(Generic[J]):
    """One queue of jobs of one kind; `run(job)` returns that job's result once its group has committed.

    `commit_group(jobs)` must set each job's `result` or `error` and never raise for a single job's
    fault (message_store.commit_group and posts.commit_likes run each job alone when the group fails).
    """

    instances: ClassVar[weakref.WeakSet[GroupCommit[Any]]] = weakref.WeakSet()

    def __init__(self, commit_group: Callable[[list[J]], None], name: str) -> None:
        self._commit_group = commit_group
        self.name = name
        self._lock = threading.Lock()
        self._queue: list[J] = []
        self._busy = False
        self.groups = 0
        self.jobs = 0
        GroupCommit.instances.add(self)

    @property
    def idle(self) -> bool:
        """No group is being committed and no job waits (the SIGTERM drain waits for this)."""
        return not self._busy and not self._queue

    def run(self, job: J) -> Any:
        """Queue the job, lead a group or wait for one, and return the job's result (or raise its error)."""
        # End the caller's read transaction first (write_tx would, for a job alone): a waiting job must
        # not hold a pooled connection, or more waiters than the pool has connections would leave the
        # leader none to commit with (a like storm of 32 threads deadlocked on a pool of 10 + 20).
        end_read_transaction()
        with self._lock:
            self._queue.append(job)
            lead = job.lead = not self._busy
            self._busy = True
        if not lead:
            job.done.wait()
        if job.lead:
            self._lead()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    def _lead(self) -> None:
        time.sleep(0)  # a cooperative yield: let the jobs already on their way join this group
        with self._lock:
            group, self._queue = self._queue, []
        try:
            self._commit_group(group)
        finally:
            self.groups += 1
            self.jobs += len(group)
            metrics.group_committed(self.name, len(group))
            with self._lock:
                if self._queue:
                    nxt = self._queue[0]
                    nxt.lead = True
                    nxt.done.set()
                else:
                    self._busy = False
            for job in group:
                if job.result is None and job.error is None:  # the leader was interrupted mid-group
                    job.error = RuntimeError("the write was interrupted before its commit")
                job.done.set()


def each_alone(jobs: list[J], alone: Callable[[J], Any]) -> None:
    """After a group failed as a whole (a constraint, a deadlock, a lost connection): each job again in a
    transaction of its own, so one bad job never costs the others theirs."""
    for job in jobs:
        job.result, job.error = None, None
        try:
            job.result = alone(job)
        except Exception as exc:  # handed to that job's caller, who answers its client
            job.error = exc


def all_idle() -> bool:
    """Whether every group commit of this process is idle."""
    return all(committer.idle for committer in list(GroupCommit.instances))
